/**
 * One memory-reducing collection once a long-running watch has started (issue 20: `offload watch` RSS).
 *
 * Start-up loads the CLI's modules and everything it allocates survives, so V8 grows the young generation
 * from 1 MB to 8 MB (semi-spaces) in the first few hundred milliseconds. The watch then allocates slowly
 * (~80 KB/s), never runs a full collection (so V8's memory reducer, armed only by one, never fires), and
 * shrinks the young generation only at its next scavenge, once the slow allocation has touched the whole of
 * it: the resident set creeps from ~61 MB to 65+ MB over the first minute and stays there. One full
 * collection after start-up shrinks the young generation back to its minimum and hands the pages back. It
 * runs once per process (~15 ms of CPU), never on a schedule.
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
