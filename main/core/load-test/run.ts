/**
 * Load generation for the `load-test` step: autocannon (programmatic API), one instance per target running
 * together, the rate / connections / request count split between them. Latencies are recorded from each
 * response into a log-bucket histogram (1 % resolution) so any percentile (p95 included — autocannon's own
 * result has p90 and p97.5 only) comes from the same samples. Cancellation stops every instance at once.
 */
import type { EventEmitter } from 'node:events';

/** One target of the test. */
export interface LoadTarget {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadPlan {
  targets: LoadTarget[];
  /** Total requests per second over all targets (undefined: as fast as the connections allow). */
  rate?: number;
  /** Concurrent connections over all targets. */
  connections: number;
  /** Stop after this long… */
  durationMs?: number;
  /** …or after this many requests (over all targets). */
  requests?: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Status codes that count as success (default: 200–399). */
  okStatus?: number[];
}

/** A histogram of latencies in ms, log buckets of 1 %, from 0.01 ms to ~ 10 minutes. */
export class LatencyHistogram {
  private static readonly BASE = 1.01;
  private static readonly MIN = 0.01;
  private readonly counts = new Float64Array(2100);
  count = 0;
  max = 0;
  min = Infinity;
  sum = 0;

  record(ms: number): void {
    const v = Math.max(ms, LatencyHistogram.MIN);
    const i = Math.min(
      this.counts.length - 1,
      Math.ceil(Math.log(v / LatencyHistogram.MIN) / Math.log(LatencyHistogram.BASE)),
    );
    this.counts[i]! += 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (ms < this.min) this.min = ms;
  }

  merge(o: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    this.count += o.count;
    this.sum += o.sum;
    this.max = Math.max(this.max, o.max);
    this.min = Math.min(this.min, o.min);
  }

  /** The smallest bucket bound with at least p % of the samples at or below it (capped by the max seen). */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const want = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= want) return Math.min(this.max, LatencyHistogram.MIN * LatencyHistogram.BASE ** i);
    }
    return this.max;
  }
}

/** What one target (or the whole test) did. */
export interface LoadStats {
  label: string;
  /** Responses received plus requests that ended in a connection error or timeout. */
  requests: number;
  responses: number;
  /** Responses whose status is not a success, plus connection errors and timeouts. */
  errors: number;
  statuses: Map<number, number>;
  /** Connection errors and timeouts by message (ECONNREFUSED, request timed out…). */
  failures: Map<string, number>;
  latency: LatencyHistogram;
  durationMs: number;
}

const emptyStats = (label: string): LoadStats => ({
  label,
  requests: 0,
  responses: 0,
  errors: 0,
  statuses: new Map(),
  failures: new Map(),
  latency: new LatencyHistogram(),
  durationMs: 0,
});

/** Sums targets into one line. */
export function totalOf(parts: LoadStats[]): LoadStats {
  const t = emptyStats('total');
  for (const p of parts) {
    t.requests += p.requests;
    t.responses += p.responses;
    t.errors += p.errors;
    for (const [k, v] of p.statuses) t.statuses.set(k, (t.statuses.get(k) ?? 0) + v);
    for (const [k, v] of p.failures) t.failures.set(k, (t.failures.get(k) ?? 0) + v);
    t.latency.merge(p.latency);
    t.durationMs = Math.max(t.durationMs, p.durationMs);
  }
  return t;
}

/** Splits `n` into `k` near-equal integer parts. */
export function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/** Rejection of a cancelled run, with what ran until then (each target's time is its real elapsed time). */
export class LoadCancelled extends Error {
  constructor(
    readonly partial: LoadStats[],
    readonly why: unknown,
  ) {
    super('load test cancelled');
  }
}

type Instance = EventEmitter & { stop(): void };
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, res: unknown) => void) => Instance;

/** Progress every `everyMs`: requests so far over all targets. */
export interface LoadProgress {
  elapsedMs: number;
  requests: number;
  errors: number;
}

/**
 * Runs the plan; resolves with per-target stats. Rejects with the signal's reason as soon as it aborts (every
 * instance is told to stop first).
 */
export function runLoad(
  plan: LoadPlan,
  o: { signal: AbortSignal; onProgress?: (p: LoadProgress) => void; progressEveryMs?: number },
): Promise<LoadStats[]> {
  const autocannon = require('autocannon') as Autocannon;
  const n = plan.targets.length;
  const connections = split(Math.max(plan.connections, n), n);
  const rates = plan.rate === undefined ? undefined : split(Math.max(plan.rate, n), n);
  const amounts = plan.requests === undefined ? undefined : split(Math.max(plan.requests, n), n);
  const ok = (code: number) => (plan.okStatus ? plan.okStatus.includes(code) : code >= 200 && code <= 399);
  const stats = plan.targets.map((t) => emptyStats(`${t.method} ${t.url}`));
  const instances: Instance[] = [];
  const started = Date.now();
  return new Promise<LoadStats[]>((resolve, reject) => {
    if (o.signal.aborted) return reject(o.signal.reason ?? new Error('cancelled'));
    let pending = n;
    let settled = false;
    const timer = o.onProgress
      ? setInterval(() => {
          const t = totalOf(stats);
          o.onProgress!({ elapsedMs: Date.now() - started, requests: t.requests, errors: t.errors });
        }, o.progressEveryMs ?? 5000)
      : undefined;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (timer) clearInterval(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (err) {
        for (const i of instances) i.stop();
        reject(err);
      } else resolve(stats);
    };
    // Cancelled: what ran so far comes with the rejection, for the partial summary.
    const onAbort = () => {
      for (const st of stats) st.durationMs ||= Date.now() - started;
      finish(new LoadCancelled(stats, o.signal.reason));
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    plan.targets.forEach((target, i) => {
      const s = stats[i]!;
      const amount = amounts?.[i];
      const conns = Math.min(connections[i]!, amount ?? Infinity);
      const opts: Record<string, unknown> = {
        url: target.url,
        method: target.method,
        headers: target.headers,
        ...(target.body !== undefined ? { body: target.body } : {}),
        connections: conns,
        // autocannon closes its sockets at the next sample after stop(): every 100 ms, so a cancel is prompt.
        sampleInt: 100,
        timeout: Math.max(1, Math.ceil(plan.timeoutMs / 1000)),
        ...(rates ? { overallRate: rates[i] } : {}),
        // Rate and duration: exactly rate × duration requests. autocannon paces in one-second windows, and with a
        // duration alone it opens a 13th window's burst at 12 s (a 100/s test sent 105.6/s over 12.8 s).
        ...(amount !== undefined
          ? { amount }
          : rates
            ? { amount: Math.max(1, Math.round((rates[i]! * (plan.durationMs ?? 0)) / 1000)) }
            : { duration: (plan.durationMs ?? 0) / 1000 }),
      };
      let instance: Instance;
      try {
        instance = autocannon(opts, (err) => {
          // The real time it took, never less than the paced duration (its last window lasts to its end).
          s.durationMs = Math.max(Date.now() - started, rates ? (plan.durationMs ?? 0) : 0);
          if (err) return finish(err);
          if (--pending === 0) finish();
        });
      } catch (err) {
        return finish(err);
      }
      instances.push(instance);
      instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
        s.requests++;
        s.responses++;
        s.statuses.set(statusCode, (s.statuses.get(statusCode) ?? 0) + 1);
        if (!ok(statusCode)) s.errors++;
        s.latency.record(ms);
      });
      instance.on('reqError', (err: Error & { code?: string }) => {
        s.requests++;
        s.errors++;
        const key = err.code ?? err.message ?? 'error';
        s.failures.set(key, (s.failures.get(key) ?? 0) + 1);
      });
    });
  });
}
