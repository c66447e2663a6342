/**
 * Riding out AWS's everyday blips inside a step's budget. The SDK retries a call a few times within seconds;
 * steps that wait minutes for a rollout or a stack must not fail on one throttled or unreachable poll. A
 * read that fails transiently (throttling, 5xx, resets, timeouts, connections refused by a remote host) is
 * retried with exponential back-off and full jitter (AWS's "Exponential Backoff and Jitter" guidance) until it
 * answers or the step's budget is spent; anything else (denied, expired, not found, a bad request, a loopback
 * `aws.endpoint` that refuses: LocalStack or moto not running) fails at once.
 */
import { formatDurationCompact } from '../format';
import { classifyAwsError, type AwsErrorKind } from './errors';

/** Waits `ms`, or rejects at once when the step is cancelled. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Error kinds that say nothing about the request itself: AWS or the path to it will likely answer later. */
const TRANSIENT: ReadonlySet<AwsErrorKind> = new Set([
  'throttled',
  'network',
  'cut-off',
  'timeout',
  'server',
]);

/** Whether a kind of AWS failure is worth waiting out (throttled, network, cut-off, timeout, server). */
export const isTransientKind = (kind: AwsErrorKind): boolean => TRANSIENT.has(kind);

/** Whether an AWS error is worth waiting out (throttling, 5xx, resets, timeouts, remote refusals; never loopback). */
export function isTransientAwsError(err: unknown): boolean {
  return TRANSIENT.has(classifyAwsError(err));
}

/** Thrown when transient errors lasted past the step's budget: carries the last error and how long it lasted. */
export class AwsOutagePastBudget extends Error {
  override name = 'AwsOutagePastBudget';
  constructor(
    readonly last: unknown,
    readonly outageMs: number,
    readonly kind: AwsErrorKind,
    service = 'AWS',
  ) {
    super(
      `${service} ${outageWords(kind)} for ${formatDurationCompact(outageMs)} until the step's budget was spent`,
    );
  }
}

const outageWords = (kind: AwsErrorKind): string =>
  kind === 'throttled'
    ? 'throttled'
    : kind === 'server'
      ? 'answered with server errors'
      : kind === 'timeout'
        ? 'did not answer in time'
        : kind === 'cut-off'
          ? 'answered with cut-off responses'
          : 'was unreachable';

/** The delay before retry `n` (0-based): full jitter over an exponentially growing cap. */
export function backoffMs(
  n: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(n, 20));
  return Math.round(random() * ceiling);
}

export interface RideOutOptions {
  /** When the step's budget ends (epoch ms, on `now`'s clock). */
  deadline: number;
  signal: AbortSignal;
  /** A progress line for the step log (at most one every `reportEveryMs`). */
  log: (line: string) => void;
  /** First back-off ceiling (default 500 ms) and the largest (default 20 s). */
  baseMs?: number;
  capMs?: number;
  reportEveryMs?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Who answers (default "AWS"; "the Kubernetes API" for a cluster's own API server). */
  service?: string;
  /** Classifies a failure (default: as an AWS SDK error); throttled, network, timeout and server are waited out. */
  classify?: (err: unknown) => AwsErrorKind;
}

/**
 * Runs read-only AWS calls for one step, retrying transient failures until its deadline. One instance per
 * step: an outage spanning several calls is reported as one ("throttled for 40 s, still waiting").
 */
export class AwsOutageRider {
  private outageStart: number | null = null;
  private lastReport = 0;
  private failures = 0;
  private readonly now: () => number;
  private readonly classify: (err: unknown) => AwsErrorKind;
  private readonly service: string;

  constructor(private readonly o: RideOutOptions) {
    this.now = o.now ?? Date.now;
    this.classify = o.classify ?? classifyAwsError;
    this.service = o.service ?? 'AWS';
  }

  /** Calls `fn`, waiting out transient errors; rethrows others, or AwsOutagePastBudget once the budget is spent. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      // An outage starts when the first failing call was sent (the SDK's own retries are part of it).
      const sent = this.now();
      try {
        const value = await fn();
        if (this.outageStart !== null) {
          this.o.log(
            `${this.service} answered again after ${formatDurationCompact(this.now() - this.outageStart)}`,
          );
          this.outageStart = null;
          this.failures = 0;
        }
        return value;
      } catch (err) {
        const kind = this.classify(err);
        if (this.o.signal.aborted || !TRANSIENT.has(kind)) throw err;
        const at = this.now();
        this.outageStart ??= sent;
        const delay = backoffMs(this.failures++, this.o.baseMs ?? 500, this.o.capMs ?? 20_000, this.o.random);
        if (at + delay >= this.o.deadline)
          throw new AwsOutagePastBudget(err, at - this.outageStart, kind, this.service);
        if (this.failures === 1 || at - this.lastReport >= (this.o.reportEveryMs ?? 10_000)) {
          this.lastReport = at;
          this.o.log(
            `${this.service} ${outageWords(kind)} for ${formatDurationCompact(at - this.outageStart)} (${errorName(err)}), still waiting (budget ${formatDurationCompact(this.o.deadline - at)} left)`,
          );
        }
        await (this.o.sleep ?? sleep)(delay, this.o.signal);
      }
    }
  }
}

const errorName = (err: unknown): string => {
  const e = (err ?? {}) as {
    name?: string;
    code?: string | number;
    cause?: { code?: string };
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  const name = e.name === 'Error' ? undefined : e.name;
  return [code && code !== name ? code : name, status ? `HTTP ${status}` : undefined]
    .filter(Boolean)
    .join(', ');
};
