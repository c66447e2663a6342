import { describe, expect, it } from 'vitest';
import { Phase6Watch } from '../../main/core/deployments/phase6-watch';
import type { JournalEntry } from '../../main/core/history/project-events';
import type { Timers } from '../../main/core/units/poller';

const deployedAt = Date.parse('2026-12-01T10:00:00.000Z');
const history = (journal: JournalEntry[]) => ({
  readState: <T>() =>
    ({
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
    }) as T,
  readJournal: () => journal,
});

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
});
