import { describe, expect, it } from 'vitest';
import { journalErrors, journalSignals, noticeSignal } from '../../main/core/deployments/signals';
import type { JournalEntry } from '../../main/core/history/project-events';
import type { Notice } from '../../main/core/vocabulary';

const notice = (over: Partial<Notice>): Notice => ({
  id: 'n1',
  at: '2026-12-01T10:05:00.000Z',
  level: 'error',
  title: 'New error in /ecs/api',
  body: '1 new error in /ecs/api — first: boom',
  target: { view: 'errors', item: '/ecs/api' },
  ...over,
});

describe('phase 6 signals', () => {
  it('routes notices by their typed source, not their wording', () => {
    expect(noticeSignal(notice({ source: 'cloudwatch-logs' }))).toEqual({
      at: Date.parse('2026-12-01T10:05:00.000Z'),
      message: 'New error in /ecs/api: 1 new error in /ecs/api — first: boom',
      source: '/ecs/api',
    });
    const alarm = notice({
      source: 'cloudwatch-alarm',
      title: 'Alarm fired',
      target: { view: 'aws', item: 'api-5xx' },
    });
    expect(noticeSignal(alarm)?.source).toBe('api-5xx');
    // Worded like CloudWatch, but raised by something else: no signal.
    expect(
      noticeSignal(notice({ title: 'CloudWatch alarm: api-5xx', target: { view: 'aws' } })),
    ).toBeUndefined();
    expect(noticeSignal(notice({ source: 'local-logs' }))).toBeUndefined();
    expect(noticeSignal(notice({}))).toBeUndefined();
    // A resolved alarm is info, not a signal.
    expect(noticeSignal(notice({ source: 'cloudwatch-alarm', level: 'info' }))).toBeUndefined();
  });

  it('reads errors and alarms going to ALARM back from the journal', () => {
    const events: JournalEntry[] = [
      {
        at: '2026-12-01T10:01:00.000Z',
        kind: 'cloudwatch-errors',
        data: {
          logGroup: '/ecs/api',
          count: 3,
          first: { at: Date.parse('2026-12-01T10:00:30.000Z'), message: 'boom', stream: 's1' },
          deployment: 'after deploy of abc, 1 min ago',
          consoleUrl: 'https://console/x',
        },
      },
      {
        at: '2026-12-01T10:02:00.000Z',
        kind: 'cloudwatch-alarm',
        data: { name: 'api-5xx', transition: 'alarm', state: 'ALARM', reason: 'threshold crossed' },
      },
      {
        at: '2026-12-01T10:03:00.000Z',
        kind: 'cloudwatch-alarm',
        data: { name: 'api-5xx', transition: 'resolved', state: 'OK' },
      },
      { at: '2026-12-01T10:04:00.000Z', kind: 'rule-action', data: { action: 'verify', result: null } },
    ];
    expect(journalErrors(events)).toEqual([
      {
        logGroup: '/ecs/api',
        at: '2026-12-01T10:00:30.000Z',
        message: 'boom',
        count: 3,
        consoleUrl: 'https://console/x',
        logStream: 's1',
        deployment: 'after deploy of abc, 1 min ago',
      },
    ]);
    expect(journalSignals(events)).toEqual([
      { at: Date.parse('2026-12-01T10:00:30.000Z'), message: 'boom', source: '/ecs/api' },
      {
        at: Date.parse('2026-12-01T10:02:00.000Z'),
        message: 'alarm api-5xx: threshold crossed',
        source: 'api-5xx',
      },
    ]);
  });
});
