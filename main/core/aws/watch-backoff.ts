/**
 * The AWS watch's back-off: after rounds in a row whose AWS calls failed transiently (throttling, 5xx, resets,
 * timeouts), the next poll waits longer — exponential with jitter, at most 4× the interval — so an outage or
 * an account-wide throttle costs fewer calls, not a storm; the first good round brings the interval back.
 * A round that reads ready is never followed by a longer wait: ready has to be proved again on time.
 */
import type { AwsErrorKind } from './errors';
import { isTransientKind } from './ride-out';

/** The longest pause, as a multiple of the interval. */
export const BACKOFF_CAP = 4;

/**
 * The pause after `failedRounds` transiently failed rounds in a row: the interval at none (or when ready),
 * then between half and all of min(2^n, 4) intervals ("equal jitter"), never less than the interval.
 */
export function pollDelayMs(o: {
  intervalMs: number;
  failedRounds: number;
  ready: boolean;
  random?: () => number;
}): number {
  if (o.failedRounds <= 0 || o.ready) return o.intervalMs;
  const ceiling = o.intervalMs * Math.min(BACKOFF_CAP, 2 ** Math.min(o.failedRounds, 10));
  const r = (o.random ?? Math.random)();
  return Math.round(Math.max(o.intervalMs, ceiling / 2 + (r * ceiling) / 2));
}

/** What a round changed: the next pause, and whether the watch just began or stopped backing off. */
export interface BackoffStep {
  delayMs: number;
  failedRounds: number;
  began: boolean;
  ended: boolean;
}

/** Counts transiently failed rounds in a row and says the pause before the next poll. */
export class WatchBackoff {
  private failed = 0;
  private delay: number;

  constructor(
    private readonly intervalMs: number,
    private readonly random: () => number = Math.random,
  ) {
    this.delay = intervalMs;
  }

  /** The pause before the next poll. */
  get delayMs(): number {
    return this.delay;
  }

  /** After a round: the kinds of its failed AWS calls (none: a good round) and whether the gate reads ready. */
  round(failures: readonly (AwsErrorKind | undefined)[], ready: boolean): BackoffStep {
    const wasBackingOff = this.delay > this.intervalMs;
    this.failed = failures.some((k) => k !== undefined && isTransientKind(k)) ? this.failed + 1 : 0;
    this.delay = pollDelayMs({
      intervalMs: this.intervalMs,
      failedRounds: this.failed,
      ready,
      random: this.random,
    });
    const backingOff = this.delay > this.intervalMs;
    return {
      delayMs: this.delay,
      failedRounds: this.failed,
      began: backingOff && !wasBackingOff,
      ended: wasBackingOff && !backingOff,
    };
  }
}
