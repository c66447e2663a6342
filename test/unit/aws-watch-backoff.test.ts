// The AWS watch's back-off, pure: the pause after transiently failed rounds in a row, and what ends it.
import { describe, expect, it } from 'vitest';
import { pollDelayMs, WatchBackoff } from '../../main/core/aws/watch-backoff';
import { Poller } from '../../main/core/units/poller';

describe('the pause before the next AWS poll', () => {
  it('grows with jitter between half and all of 2^n intervals, capped at 4, never under the interval', () => {
    const at = (failedRounds: number, r: number, ready = false) =>
      pollDelayMs({ intervalMs: 60_000, failedRounds, ready, random: () => r });
    expect(at(0, 1)).toBe(60_000);
    expect([at(1, 0), at(1, 1)]).toEqual([60_000, 120_000]);
    expect([at(2, 0), at(2, 0.5), at(2, 1)]).toEqual([120_000, 180_000, 240_000]);
    expect([at(9, 0), at(50, 1)]).toEqual([120_000, 240_000]);
    expect(at(5, 1, true)).toBe(60_000); // ready is proved again on time
  });

  it('counts only transient failures; the first good round ends the back-off', () => {
    const b = new WatchBackoff(10_000, () => 1);
    expect(b.round(['access-denied'], false)).toMatchObject({ delayMs: 10_000, began: false });
    expect(b.round([undefined, 'throttled'], false)).toMatchObject({ delayMs: 20_000, began: true });
    expect(b.round(['network', 'server', 'timeout'], false)).toMatchObject({
      delayMs: 40_000,
      failedRounds: 2,
      began: false,
    });
    expect(b.delayMs).toBe(40_000);
    expect(b.round([undefined], false)).toEqual({
      delayMs: 10_000,
      failedRounds: 0,
      began: false,
      ended: true,
    });
  });
});

describe('the poller with a back-off', () => {
  it('asks for the pause after each run, so a longer one applies to the next run only', async () => {
    const asked: number[] = [];
    let pauses = [30, 10];
    const p = new Poller(() => undefined, {
      intervalMs: 10,
      delayMs: () => pauses.shift() ?? 10,
      timers: {
        setTimeout: (fn, ms) => {
          asked.push(ms);
          if (asked.length < 3) queueMicrotask(fn);
          return asked.length;
        },
        clearTimeout: () => undefined,
      },
    });
    p.start();
    for (let i = 0; i < 10 && asked.length < 3; i++) await new Promise((r) => setImmediate(r));
    p.stop();
    pauses = [];
    expect(asked).toEqual([30, 10, 10]);
  });
});
