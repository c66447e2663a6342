import { describe, expect, it } from 'vitest';
import { CoalescedRunner } from '../../main/core/units/poller';

/** A task whose runs end when the test says so. */
function gatedTask() {
  const ends: (() => void)[] = [];
  let started = 0;
  const task = () =>
    new Promise<void>((resolve) => {
      started++;
      ends.push(resolve);
    });
  return { task, ends, started: () => started };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescedRunner', () => {
  it('runs at once when idle; a burst during a run becomes one pending run, not one per call', async () => {
    const t = gatedTask();
    const r = new CoalescedRunner(t.task);
    const first = r.run();
    await tick();
    expect(t.started()).toBe(1);
    const burst = Array.from({ length: 100 }, () => r.run());
    expect(new Set(burst).size).toBe(1); // all share the one pending run
    await tick();
    expect(t.started()).toBe(1);
    t.ends[0]!();
    await first;
    await tick();
    expect(t.started()).toBe(2);
    // A call during the second run queues a third (the second may have read stale input).
    const third = r.run();
    t.ends[1]!();
    await burst[0];
    await tick();
    expect(t.started()).toBe(3);
    t.ends[2]!();
    await third;
    expect(r.busy).toBe(false);
    expect(t.started()).toBe(3);
  });

  it('never rejects: a failing run goes to onError and the next run still happens', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const r = new CoalescedRunner(
      () => {
        n++;
        if (n === 1) throw new Error('boom');
      },
      (e) => errors.push(e),
    );
    await r.run();
    await r.run();
    expect(n).toBe(2);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('starts nothing after dispose, not even the pending run', async () => {
    const t = gatedTask();
    const r = new CoalescedRunner(t.task);
    void r.run();
    await tick();
    const pending = r.run();
    r.dispose();
    t.ends[0]!();
    await pending;
    await r.run();
    expect(t.started()).toBe(1);
  });
});
