// CloudWatch notices from fake observations: alarm transitions and batched error lines, with a real notifier.
import { describe, expect, it } from 'vitest';
import { CloudWatchNotices, logGroupConsoleUrl } from '../../main/core/aws/cloudwatch-notices';
import type { ProjectEvent } from '../../main/core/history/project-events';
import { Notifier } from '../../main/core/notify/notifier';
import { noticeSignal } from '../../main/core/deployments/signals';

function setup() {
  let t = Date.parse('2026-12-01T10:10:00.000Z');
  const notifier = new Notifier({ now: () => t, dedupeMs: 0 });
  const journal: ProjectEvent[] = [];
  const notices = new CloudWatchNotices({
    notifier,
    journal: { appendProjectEvent: (kind, data) => void journal.push({ kind, data } as ProjectEvent) },
    logGroups: [{ name: '/ecs/api', filterPattern: 'ERROR', windowMs: 60_000 }],
    deployments: () => [
      {
        runId: 'r1',
        workflow: 'full',
        at: '2026-12-01T10:00:00.000Z',
        fingerprint: 'f',
        commit: 'abc1234',
        items: [],
      },
    ],
    consoleUrl: (g) => logGroupConsoleUrl('eu-west-1', g),
    now: () => t,
  });
  return { notifier, journal, notices, advance: (ms: number) => (t += ms) };
}
const ev = (id: string, ts: number, message: string) => ({
  group: '/ecs/api',
  eventId: id,
  timestamp: ts,
  message,
  stream: 's1',
});

describe('CloudWatchNotices', () => {
  it('an alarm going to ALARM and back raises an error then an info notice, typed as CloudWatch', () => {
    const { notifier, journal, notices } = setup();
    notices.alarmsObserved([{ name: 'api-5xx', state: 'OK' }]);
    notices.alarmsObserved([{ name: 'api-5xx', state: 'ALARM', reason: 'threshold crossed' }]);
    notices.alarmsObserved([{ name: 'api-5xx', state: 'OK' }]);
    const [fired, resolved] = notifier.recent();
    expect(fired).toMatchObject({
      level: 'error',
      title: 'CloudWatch alarm: api-5xx',
      body: 'threshold crossed (after deploy of abc1234 · run r1, 10 min ago)',
      source: 'cloudwatch-alarm',
    });
    expect(resolved).toMatchObject({ level: 'info', title: 'Resolved: api-5xx' });
    expect(noticeSignal(fired!)?.source).toBe('api-5xx');
    expect(noticeSignal(resolved!)).toBeUndefined();
    expect(journal.map((j) => j.kind === 'cloudwatch-alarm' && j.data.transition)).toEqual([
      'alarm',
      'resolved',
    ]);
  });

  it('batches error lines per log group window; a stop flushes what is pending', () => {
    const { notifier, journal, notices, advance } = setup();
    const at = Date.parse('2026-12-01T10:09:00.000Z');
    notices.logErrorsObserved(
      new Map([['/ecs/api', [ev('1', at, 'ERROR boom\nstack'), ev('2', at + 1, 'ERROR again')]]]),
    );
    expect(notifier.recent()).toHaveLength(1);
    expect(notifier.recent()[0]).toMatchObject({
      title: '2 new errors in /ecs/api',
      source: 'cloudwatch-logs',
      target: { view: 'errors', item: '/ecs/api' },
    });
    expect(notifier.recent()[0]!.body).toContain('first: ERROR boom');
    // Within the window: held back.
    advance(10_000);
    notices.logErrorsObserved(new Map([['/ecs/api', [ev('3', at + 5000, 'ERROR third')]]]));
    expect(notifier.recent()).toHaveLength(1);
    notices.flush(true);
    expect(notifier.recent().map((n) => n.title)).toEqual([
      '2 new errors in /ecs/api',
      'New error in /ecs/api',
    ]);
    expect(notices.recentErrors().map((e) => [e.count, e.message])).toEqual([
      [2, 'ERROR boom'],
      [1, 'ERROR third'],
    ]);
    expect(notices.recentErrors()[0]!.consoleUrl).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fapi',
    );
    expect(journal.filter((j) => j.kind === 'cloudwatch-errors')).toHaveLength(2);
  });
});
