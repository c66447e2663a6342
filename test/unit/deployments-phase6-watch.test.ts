import { describe, expect, it } from 'vitest';
import { Phase6Watch } from '../../main/core/deployments/phase6-watch';
import type { JournalEntry } from '../../main/core/history/project-events';
import type { Timers } from '../../main/core/units/poller';

const deployedAt = Date.parse('2026-12-01T10:00:00.000Z');
/** A history with one deployment: state files in a map, the journal in an array (appends land there too). */
const history = (journal: JournalEntry[]) => {
  const state = new Map<string, unknown>([
    [
      'deployments',
      {
        version: 1,
        deployments: [
          {
            runId: 'r1',
            workflow: 'full',
            at: new Date(deployedAt).toISOString(),
            fingerprint: 'f',
            items: [],
          },
        ],
      },
    ],
  ]);
  return {
    readState: <T>(name: string) => state.get(name) as T,
    writeState: (name: string, value: unknown) => void state.set(name, value),
    readJournal: () => journal,
    appendProjectEvent: (kind: string, data: unknown) =>
      void journal.push({ at: new Date().toISOString(), kind, data } as JournalEntry),
  };
};

describe('Phase6Watch', () => {
  it('watches through the quiet period with one deadline, then stable; a CloudWatch notice makes it unstable', () => {
    let now = deployedAt + 60_000;
    const scheduled: number[] = [];
    const timers: Timers = { setTimeout: (_f, ms) => scheduled.push(ms), clearTimeout: () => undefined };
    const w = new Phase6Watch({
      history: history([]),
      quietMs: 600_000,
      cloudwatch: () => ({ configured: true }),
      now: () => now,
      onQuietEnd: () => {},
      timers,
    });
    expect(w.status().status).toBe('watching');
    expect(w.status().quietUntil).toBe('2026-12-01T10:10:00.000Z');
    expect(scheduled).toEqual([540_000]);
    now = deployedAt + 600_000;
    expect(w.status().status).toBe('stable');
    const routed = w.noticed({
      id: 'n',
      at: new Date(deployedAt + 120_000).toISOString(),
      level: 'error',
      title: 'New error in /ecs/api',
      body: 'boom',
      target: { view: 'errors', item: '/ecs/api' },
      source: 'cloudwatch-logs',
    });
    expect(routed).toBe(true);
    expect(w.status()).toMatchObject({
      status: 'unstable',
      firstError: { message: 'New error in /ecs/api: boom' },
    });
  });

  it('an alarm the journal kept from an earlier session counts; without a scheduler nothing is timed', () => {
    const w = new Phase6Watch({
      history: history([
        {
          at: '2026-12-01T10:03:00.000Z',
          kind: 'cloudwatch-alarm',
          data: { name: 'api-5xx', transition: 'alarm', state: 'ALARM' },
        },
      ]),
      quietMs: 600_000,
      cloudwatch: () => ({ configured: true }),
      now: () => deployedAt + 300_000,
    });
    expect(w.status()).toMatchObject({
      status: 'unstable',
      firstError: { source: 'api-5xx', message: 'alarm api-5xx: in ALARM' },
    });
  });

  it('an acknowledged cause restarts the quiet period without a redeploy; a new error after it counts again', () => {
    let now = deployedAt + 300_000;
    const journal: JournalEntry[] = [
      {
        at: '2026-12-01T10:03:00.000Z',
        kind: 'cloudwatch-alarm',
        data: { name: 'api-5xx', transition: 'alarm', state: 'ALARM' },
      },
    ];
    const w = new Phase6Watch({
      history: history(journal),
      quietMs: 600_000,
      cloudwatch: () => ({ configured: true }),
      now: () => now,
    });
    expect(w.status().status).toBe('unstable');
    expect(() => w.acknowledge('cli', ['api-5xx'])).toThrow(
      'alarm api-5xx still in ALARM: acknowledge once the cause is resolved',
    );
    expect(w.acknowledge('cli', [])).toEqual({
      status: 'watching',
      since: '2026-12-01T10:05:00.000Z',
      quietUntil: '2026-12-01T10:15:00.000Z',
      acknowledgedAt: '2026-12-01T10:05:00.000Z',
      deployment: { runId: 'r1', at: '2026-12-01T10:00:00.000Z', summary: 'run r1' },
    });
    expect(journal.at(-1)).toMatchObject({
      kind: 'phase6-ack',
      data: { runId: 'r1', by: 'cli', firstError: 'alarm api-5xx: in ALARM' },
    });
    expect(() => w.acknowledge('tray', [])).toThrow(/phase 6 is watching, not unstable/);
    now = deployedAt + 15 * 60_000;
    expect(w.status()).toMatchObject({ status: 'stable', since: '2026-12-01T10:15:00.000Z' });
    w.noticed({
      id: 'n2',
      at: new Date(deployedAt + 14 * 60_000).toISOString(),
      level: 'error',
      title: 'CloudWatch alarm: api-5xx',
      body: 'again',
      target: { view: 'aws', item: 'api-5xx' },
      source: 'cloudwatch-alarm',
    });
    expect(w.status()).toMatchObject({
      status: 'unstable',
      firstError: { message: 'CloudWatch alarm: api-5xx: again' },
    });
  });
});
