/**
 * A finished load test in words and numbers: the summary table for the log, the step's outputs, and the
 * thresholds it broke. Pure: the step (load-test.ts) logs, records and decides with what these return.
 */
import { durationMs } from '../units';
import { totalOf, type LoadStats } from './run';
import type { LoadTestSpec } from './spec';

const percentOf = (v: string | number | undefined): number | undefined =>
  v === undefined ? undefined : typeof v === 'number' ? v : Number(v.replace('%', '').trim());

/** A latency for people: `4.2ms`, `180ms`, `1.25s`, `—` when there is none. */
export const fmtMs = (v: number | undefined) =>
  v === undefined
    ? '—'
    : v >= 1000
      ? `${(v / 1000).toFixed(2)}s`
      : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`;

/** The summary table: one row per target, and a total row when there are several. */
export function table(parts: LoadStats[], total: LoadStats): string[] {
  const shown = parts.length > 1 ? [...parts, total] : [{ ...total, label: parts[0]?.label ?? 'total' }];
  const rows = shown.map((s) => {
    const secs = Math.max(s.durationMs, 1) / 1000;
    return [
      s.label,
      String(s.requests),
      (s.requests / secs).toFixed(1),
      fmtMs(s.latency.percentile(50)),
      fmtMs(s.latency.percentile(95)),
      fmtMs(s.latency.percentile(99)),
      fmtMs(s.latency.count ? s.latency.max : undefined),
      `${s.errors} (${((100 * s.errors) / Math.max(1, s.requests)).toFixed(2)}%)`,
    ];
  });
  const head = ['target', 'requests', 'rps', 'p50', 'p95', 'p99', 'max', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

const statusText = (s: LoadStats) =>
  [...s.statuses.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${k} × ${v}`)
    .join(', ');

/** The totals of a load test, what the log shows of them and the step's outputs. */
export interface LoadSummary {
  total: LoadStats;
  /** The table and the status-code line, each ending in a newline. */
  lines: string[];
  outputs: Record<string, string>;
  /** Connection errors by code (`ECONNREFUSED × 3`), '' when none. */
  failures: string;
  rps: number;
  /** In %. */
  errorRate: number;
  /** The one-line result: requests, rate, p95, errors. */
  headline: string;
}

/** The summary of the parts of a load test (one per target). */
export function summaryOf(parts: LoadStats[]): LoadSummary {
  const total = totalOf(parts);
  const statuses = statusText(total);
  const failures = [...total.failures.entries()].map(([k, v]) => `${k} × ${v}`).join(', ');
  const lines = [
    ...table(parts, total).map((l) => `${l}\n`),
    `status codes: ${statuses || 'none'}${failures ? `; connection errors: ${failures}` : ''}\n`,
  ];
  const secs = Math.max(total.durationMs, 1) / 1000;
  const rps = total.requests / secs;
  const errorRate = (100 * total.errors) / Math.max(1, total.requests);
  const outputs: Record<string, string> = {
    requests: String(total.requests),
    rps: rps.toFixed(1),
    errors: String(total.errors),
    'error-rate': errorRate.toFixed(2),
    statuses: [...total.statuses.entries()].map(([k, v]) => `${k}:${v}`).join(','),
  };
  for (const p of [50, 90, 95, 99]) {
    const v = total.latency.percentile(p);
    if (v !== undefined) outputs[`p${p}`] = v.toFixed(1);
  }
  const headline = `${total.requests} requests, ${rps.toFixed(1)}/s, p95 ${fmtMs(total.latency.percentile(95))}, errors ${errorRate.toFixed(2)}%`;
  return { total, lines, outputs, failures, rps, errorRate, headline };
}

/** What the load test broke: no request or response at all, the error rate, a latency, the least rate. */
export function brokenThresholds(spec: LoadTestSpec, s: LoadSummary): string[] {
  const { total, failures, errorRate, rps } = s;
  const broken: string[] = [];
  if (total.requests === 0) broken.push('no request completed');
  else if (total.responses === 0) broken.push(`no response at all (${failures})`);
  const th = spec.thresholds ?? {};
  const maxErr = percentOf(th.errors) ?? 1;
  if (total.requests > 0 && errorRate > maxErr) {
    const bad = [...total.statuses.entries()]
      .filter(([code]) => (spec.status ? !spec.status.includes(code) : code < 200 || code > 399))
      .map(([k, v]) => `${k} × ${v}`);
    broken.push(
      `errors ${errorRate.toFixed(2)}% > ${maxErr}% (${[...bad, ...(failures ? [failures] : [])].join(', ')})`,
    );
  }
  for (const p of ['p50', 'p90', 'p95', 'p99', 'max'] as const) {
    const limit = th[p];
    if (limit === undefined) continue;
    const limitMs = durationMs(limit, 0, `thresholds.${p}`);
    const got =
      p === 'max'
        ? total.latency.count
          ? total.latency.max
          : undefined
        : total.latency.percentile(Number(p.slice(1)));
    if (got !== undefined && got > limitMs) broken.push(`${p} ${fmtMs(got)} > ${fmtMs(limitMs)}`);
  }
  if (th['min-rps'] !== undefined && rps < th['min-rps'])
    broken.push(`achieved ${rps.toFixed(1)} requests/s < min-rps ${th['min-rps']}`);
  return broken;
}
