/**
 * One memory-reducing collection once a long-running watch has started (issue 20: `offload watch` RSS).
 *
 * Start-up loads the CLI's modules and everything it allocates survives, so V8 grows the young generation
 * from 1 MB to 8 MB (semi-spaces) in the first few hundred milliseconds. The watch then allocates slowly
 * (~80 KB/s) and only ever scavenges: V8's memory reducer, which hands unused heap back once a process goes
 * quiet, is armed only by a full collection, so it never runs, and the slow allocation touches the whole
 * grown young generation (measured: 61 MB at 15 s, 62.5 MB at 60 s). One full collection after start-up
 * shrinks the young generation to its minimum and arms the reducer, whose own collections a few seconds
 * later return the pooled pages (57.6-58.9 MB over the same window, same run). It runs once per process:
 * ~70 ms of CPU in all (this collection and the reducer's), steady-state CPU unchanged; never on a schedule.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let settled = false;

/** Runs one full collection (the first call in the process only); false where V8 refused it. */
export function settleHeapOnce(): boolean {
  if (settled) return false;
  settled = true;
  try {
    // `gc` is exposed to contexts created after the flag is set; the one context made here is dropped.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    setFlagsFromString('--no-expose-gc');
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  } catch {
    return false;
  }
}

/** Settles the heap `delayMs` after a watch starts (the first readings taken); the returned function cancels. */
export function settleHeapAfterStart(delayMs = 5000): () => void {
  const timer = setTimeout(settleHeapOnce, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}
