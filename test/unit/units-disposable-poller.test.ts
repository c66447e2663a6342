import { describe, expect, it } from 'vitest';
import { DisposableStore, toDisposable } from '../../main/core/units/disposable';
import { Poller, RunOnceScheduler, type Timers } from '../../main/core/units/poller';

/** Timers a test advances by hand. */
function manualTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  let seq = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      pending.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now && pending.has(id)) {
        pending.delete(id);
        t.fn();
        await new Promise((r) => setImmediate(r));
      }
    }
  };
  return { timers, advance, pending };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('DisposableStore', () => {
  it('disposes newest first, once, awaits async ones, and disposes late additions at once', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.addFn(() => void order.push('first'));
    store.add({
      dispose: async () => {
        await tick();
        order.push('async');
      },
    });
    const last = toDisposable(() => void order.push('last'));
    store.add(last);
    await store.dispose();
    await store.dispose();
    expect(order).toEqual(['last', 'async', 'first']);
    expect(store.isDisposed).toBe(true);
    store.addFn(() => void order.push('late'));
    await tick();
    expect(order).toEqual(['last', 'async', 'first', 'late']);
  });

  it('runs every disposal when one throws, then throws the first error', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.addFn(() => void order.push('a'));
    store.addFn(() => {
      throw new Error('boom');
    });
    store.addFn(() => void order.push('c'));
    await expect(store.dispose()).rejects.toThrow('boom');
    expect(order).toEqual(['c', 'a']);
  });
});

describe('Poller', () => {
  it('runs at once, then an interval after each run ends; pause stops it, resume runs at once', async () => {
    const { timers, advance, pending } = manualTimers();
    let runs = 0;
    const p = new Poller(() => void runs++, { intervalMs: 1000, timers });
    p.start();
    await tick();
    expect(runs).toBe(1);
    await advance(999);
    expect(runs).toBe(1);
    await advance(1);
    expect(runs).toBe(2);
    p.setPaused(true);
    expect(pending.size).toBe(0);
    await advance(5000);
    expect(runs).toBe(2);
    p.setPaused(false);
    await tick();
    expect(runs).toBe(3);
    expect(pending.size).toBe(1);
    p.dispose();
    expect(pending.size).toBe(0);
  });

  it('shares one run in flight and reports a failing run without stopping', async () => {
    const { timers, advance } = manualTimers();
    let release!: () => void;
    let runs = 0;
    const errors: string[] = [];
    const p = new Poller(
      async () => {
        runs++;
        if (runs === 2) throw new Error('AWS down');
        await new Promise<void>((r) => (release = r));
      },
      { intervalMs: 10, timers, onError: (e) => errors.push((e as Error).message) },
    );
    const a = p.runNow();
    const b = p.runNow();
    expect(a).toBe(b);
    await tick();
    release();
    await a;
    expect(runs).toBe(1);
    await p.runNow();
    expect(errors).toEqual(['AWS down']);
    p.start();
    await tick();
    expect(runs).toBe(3);
    release();
    await tick();
    await tick();
    await advance(10);
    expect(runs).toBe(4);
    p.stop();
  });
});

describe('RunOnceScheduler', () => {
  it('keeps one deadline per key and replaces a different one', async () => {
    const { timers, advance, pending } = manualTimers();
    let fired = 0;
    const s = new RunOnceScheduler(() => void fired++, timers);
    s.schedule(100, 'a');
    s.schedule(50, 'a');
    expect(pending.size).toBe(1);
    await advance(60);
    expect(fired).toBe(0);
    await advance(40);
    expect(fired).toBe(1);
    s.schedule(100, 'a'); // this deadline already ran
    expect(s.isScheduled).toBe(false);
    s.schedule(10, 'b');
    s.schedule(20, 'c');
    expect(pending.size).toBe(1);
    await advance(20);
    expect(fired).toBe(2);
    s.schedule(10);
    s.dispose();
    await advance(10);
    expect(fired).toBe(2);
  });
});
