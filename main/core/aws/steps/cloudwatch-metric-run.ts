/** The `cloudwatch-metric` step kind's run code (what its steps do), loaded on first use. */
import type { CloudWatchClient, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { durationMs } from '../../units';
import { formatDurationCompact } from '../../format';
import { awsFailure, sleep, withClients } from '../step-support';
import type { MetricRef, MetricSpec } from './cloudwatch-metric';

const cloudWatchSdk = (): typeof import('@aws-sdk/client-cloudwatch') =>
  require('@aws-sdk/client-cloudwatch');

export type Comparison = '<' | '<=' | '>' | '>=' | '=' | '!=';
export interface Threshold {
  op: Comparison;
  value: number;
  text: string;
}

/** Parses `< 500`, `= 0`, `<= 1`, `!= 0`; throws a plain error otherwise. */
export function parseThreshold(text: string): Threshold {
  const m = /^\s*(<=|>=|==|!=|<|>|=)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/.exec(text);
  if (!m)
    throw new Error(`threshold "${text}": expected a comparison and a number, e.g. "< 500", "= 0", "<= 1"`);
  const op = (m[1] === '==' ? '=' : m[1]) as Comparison;
  return { op, value: Number(m[2]), text: `${op} ${m[2]}` };
}

export function passes(v: number, t: Threshold): boolean {
  switch (t.op) {
    case '<':
      return v < t.value;
    case '<=':
      return v <= t.value;
    case '>':
      return v > t.value;
    case '>=':
      return v >= t.value;
    case '=':
      return v === t.value;
    case '!=':
      return v !== t.value;
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
const hhmm = (d: Date | undefined) => (d ? d.toISOString().slice(11, 16) : '?');

interface Resolved extends MetricRef {
  id: string;
  stat: string;
  threshold: string;
  t: Threshold;
  name: string;
}

/** The metrics of a spec with their defaults filled in; throws a plain error for a spec the schema let through. */
export function resolveMetrics(spec: MetricSpec): Resolved[] {
  const list: MetricRef[] = spec.metrics?.length
    ? spec.metrics.map((m) => ({ ...m, stat: m.stat ?? spec.stat, threshold: m.threshold ?? spec.threshold }))
    : spec.namespace && spec.metric
      ? [spec as MetricRef]
      : [];
  if (list.length === 0) throw new Error('no metric: give namespace and metric, or metrics: [...]');
  return list.map((m, i) => {
    if (!m.threshold) throw new Error(`metric ${m.metric}: no threshold (e.g. threshold: "< 500")`);
    const stat = m.stat ?? 'Average';
    const dims = Object.entries(m.dimensions ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return {
      ...m,
      id: `m${i}`,
      stat,
      threshold: m.threshold,
      t: parseThreshold(m.threshold),
      name: m.label ?? `${m.namespace} ${m.metric}${dims ? ` {${dims}}` : ''} ${stat}`,
    };
  });
}

/** Period in seconds: the window rounded up to a whole minute unless given; CloudWatch accepts 1, 5, 10, 30 or n×60. */
export function periodSeconds(windowMs: number, periodMs?: number): number {
  if (periodMs === undefined) return Math.max(60, Math.ceil(windowMs / 60_000) * 60);
  const s = Math.round(periodMs / 1000);
  if ([1, 5, 10, 30].includes(s) || (s >= 60 && s % 60 === 0)) return s;
  throw new Error(
    `period ${s}s: CloudWatch takes 1s, 5s, 10s, 30s (high-resolution metrics) or a multiple of 60s`,
  );
}

async function getMetricData(
  cw: CloudWatchClient,
  metrics: Resolved[],
  period: number,
  start: Date,
  end: Date,
  signal: AbortSignal,
): Promise<Map<string, MetricDataResult>> {
  const out = new Map<string, MetricDataResult>();
  let NextToken: string | undefined;
  do {
    const res = await cw.send(
      new (cloudWatchSdk().GetMetricDataCommand)({
        StartTime: start,
        EndTime: end,
        NextToken,
        MetricDataQueries: metrics.map((m) => ({
          Id: m.id,
          Label: m.name,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: m.namespace,
              MetricName: m.metric,
              Dimensions: Object.entries(m.dimensions ?? {}).map(([Name, Value]) => ({
                Name,
                Value: String(Value),
              })),
            },
            Period: period,
            Stat: m.stat,
          },
        })),
      }),
      { abortSignal: signal },
    );
    for (const r of res.MetricDataResults ?? []) {
      if (!r.Id) continue;
      const prev = out.get(r.Id);
      out.set(
        r.Id,
        prev
          ? {
              ...r,
              Values: [...(prev.Values ?? []), ...(r.Values ?? [])],
              Timestamps: [...(prev.Timestamps ?? []), ...(r.Timestamps ?? [])],
            }
          : r,
      );
    }
    NextToken = res.NextToken;
  } while (NextToken);
  return out;
}

/** Reads every metric in one GetMetricData call per check and compares each datapoint with its threshold. */
export async function executeCloudwatchMetric(
  ctx: StepContext,
  step: ResolvedStep<MetricSpec>,
): Promise<StepResult> {
  const spec = step.spec;
  let metrics: Resolved[];
  let period: number;
  const windowMs = durationMs(spec.window, 300_000, 'window');
  try {
    metrics = resolveMetrics(spec);
    period = periodSeconds(
      windowMs,
      spec.period === undefined ? undefined : durationMs(spec.period, 0, 'period'),
    );
  } catch (err) {
    return { status: 'failed', summary: (err as Error).message };
  }
  const missing = spec.missing ?? 'fail';
  const timeoutMs = durationMs(spec.timeout, 300_000, 'timeout');
  const intervalMs = durationMs(spec.interval, 30_000, 'interval');
  const deadline = Date.now() + timeoutMs;
  try {
    return await withClients(ctx, async (c) => {
      for (let check = 1; ; check++) {
        const end = new Date();
        const start = new Date(end.getTime() - windowMs);
        const results = await getMetricData(c.cloudwatch, metrics, period, start, end, ctx.signal);
        const failures: string[] = [];
        const empty: Resolved[] = [];
        const worst = new Map<string, number>();
        for (const m of metrics) {
          const r = results.get(m.id);
          if (r?.StatusCode === 'Forbidden' || r?.StatusCode === 'InternalError') {
            const why = (r.Messages ?? []).map((x) => `${x.Code}: ${x.Value}`).join('; ');
            failures.push(`${m.name}: CloudWatch answered ${r.StatusCode}${why ? ` (${why})` : ''}`);
            continue;
          }
          const values = r?.Values ?? [];
          if (values.length === 0) {
            empty.push(m);
            continue;
          }
          const lower = m.t.op === '<' || m.t.op === '<=';
          const w = values.reduce((a, b) =>
            lower ? Math.max(a, b) : m.t.op === '>' || m.t.op === '>=' ? Math.min(a, b) : a,
          );
          const bad = values.map((v, i) => ({ v, at: r?.Timestamps?.[i] })).filter((x) => !passes(x.v, m.t));
          const badOne = bad[0];
          worst.set(m.id, badOne ? badOne.v : w);
          ctx.log(
            `${m.name} = ${values.map(fmt).join(', ')} (threshold ${m.t.text}${values.length > 1 ? `, ${values.length} datapoints of ${formatDurationCompact(period * 1000)}` : ''}) ${bad.length ? '✗' : '✓'}`,
            'info',
          );
          if (badOne)
            failures.push(`${m.name} = ${fmt(badOne.v)} at ${hhmm(badOne.at)} UTC, threshold ${m.t.text}`);
        }
        if (empty.length > 0 && missing === 'wait' && failures.length === 0) {
          if (Date.now() + intervalMs <= deadline) {
            ctx.log(
              `no data yet for ${empty.map((m) => m.name).join(', ')} in the last ${formatDurationCompact(windowMs)}; checking again (check ${check})`,
              'info',
            );
            await sleep(intervalMs, ctx.signal);
            continue;
          }
        }
        for (const m of empty) {
          ctx.log(
            `${m.name}: no datapoint in the last ${formatDurationCompact(windowMs)} (missing: ${missing})`,
            'info',
          );
          if (missing !== 'pass')
            failures.push(
              `${m.name}: no data in the last ${formatDurationCompact(windowMs)}${missing === 'wait' ? ` after waiting ${formatDurationCompact(timeoutMs)}` : ''} (check namespace, metric name and dimensions: they are case-sensitive and must match exactly; or set missing: pass / wait)`,
            );
        }
        const firstWorst = worst.get(metrics[0]!.id);
        if (firstWorst !== undefined) ctx.setOutput('value', fmt(firstWorst));
        for (const [id, v] of worst) ctx.setOutput(id, fmt(v));
        ctx.record('cloudwatch-metric', {
          result: failures.length ? 'failed' : 'passed',
          window: windowMs,
          period,
          metrics: metrics.map((m) => ({
            name: m.name,
            stat: m.stat,
            threshold: m.t.text,
            worst: worst.get(m.id),
          })),
          failures,
        });
        if (failures.length > 0) {
          for (const f of failures) ctx.log(f, 'stderr');
          return { status: 'failed' as const, summary: failures.join('; ') };
        }
        const shown = metrics
          .map((m) =>
            worst.has(m.id) ? `${m.name} ${fmt(worst.get(m.id)!)} ${m.t.text}` : `${m.name} no data (pass)`,
          )
          .join('; ');
        return { status: 'passed' as const, summary: `${shown} over ${formatDurationCompact(windowMs)}` };
      }
    });
  } catch (err) {
    return awsFailure(ctx, err, 'cloudwatch:GetMetricData');
  }
}
