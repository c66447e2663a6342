import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { settleHeapAfterStart, settleHeapOnce } from '../../main/core/machine/settle-heap';

/** The major (mark-compact) collections V8 reports while `fn` runs, and a moment after. */
async function majorCollections(fn: () => unknown): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const obs = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return seen.filter(
    (e) =>
      (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ===
      constants.NODE_PERFORMANCE_GC_MAJOR,
  ).length;
}

describe('settle-heap', () => {
  it('a settle cancelled before its time never runs (the watch disposed first)', async () => {
    const cancel = settleHeapAfterStart(10);
    cancel();
    await new Promise((r) => setTimeout(r, 40));
    // still unsettled: the one collection is still to come
    expect(await majorCollections(() => expect(settleHeapOnce()).toBe(true))).toBeGreaterThanOrEqual(1);
  });

  it('runs one full collection per process, never on a schedule, and leaves gc unexposed', async () => {
    expect(settleHeapOnce()).toBe(false);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });
});
