/**
 * The `load-test` step kind (phase 4.3, optional): requests to one or more URLs at a rate or a concurrency, for
 * a duration or a count — never unbounded (refused at validate) and never absurd (capped) — with thresholds on
 * the error rate and latency percentiles, a summary table in the log and as outputs, and optionally a check that
 * a service scaled under the load (ECS desired count, Lambda provisioned concurrency).
 */
import type { JsonSchema, StepContext, StepKind, StepResult } from '../vocabulary';
import { durationMs, durationSchema, parseDuration } from '../units';
import { describeServices } from '../aws/ecs';
import { iamActionOf, tagged } from '../aws/lambda';
import { awsFailure, sleep, withClients } from '../aws/step-support';
import type { AwsClients } from '../aws/clients';
import { runLoad, totalOf, type LoadStats, type LoadTarget } from './run';

/** Caps: a load test is a check, not a denial of service. */
export const LOAD_CAPS = { durationMs: 3_600_000, requests: 1_000_000, connections: 1000, rate: 10_000 };

const RATE_PATTERN = '^\\s*\\d+\\s*/\\s*(s|sec|m|min)\\s*$';
const PERCENT_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$';

interface TargetSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** `load-test` spec. */
export interface LoadTestSpec extends Partial<TargetSpec> {
  targets?: TargetSpec[];
  rate?: string | number;
  connections?: number;
  duration?: string | number;
  requests?: number;
  timeout?: string | number;
  status?: number[];
  thresholds?: {
    p50?: string | number;
    p90?: string | number;
    p95?: string | number;
    p99?: string | number;
    max?: string | number;
    errors?: string | number;
    'min-rps'?: number;
  };
  scaled?: {
    ecs?: { cluster: string; service: string };
    lambda?: { function: string; qualifier: string };
    'at-least'?: number;
    within?: string | number;
    interval?: string | number;
  };
}

const targetProps: Record<string, JsonSchema> = {
  url: {
    type: 'string',
    pattern: '^(https?://|\\$\\{\\{)',
    description: 'http:// or https:// URL (may use ${{ … }}).',
    examples: ['${{ steps.stack.outputs.ApiUrl }}/health'],
  },
  method: {
    type: 'string',
    enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    description: 'HTTP method (default GET).',
  },
  headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Request headers.' },
  body: {
    description: 'Request body: a string, or an object sent as JSON (content-type application/json).',
    examples: [{ prompt: 'hello', max_tokens: 8 }],
  },
};

const latency = (what: string) => durationSchema(`${what} latency must be at most this.`);

export const loadTestStep: StepKind<LoadTestSpec> = {
  key: 'load-test',
  schema: {
    type: 'object',
    description:
      'Phase 4 load test (autocannon): requests to `url` (or each of `targets`) at `rate` or `connections`, for `duration` or `requests` (one of them is required: unbounded runs are refused), checked against thresholds (default errors: 1%). A summary table goes to the log; outputs: requests, rps, p50, p90, p95, p99 (ms), errors, error-rate (%), statuses.',
    additionalProperties: false,
    examples: [
      {
        url: '${{ steps.stack.outputs.ApiUrl }}/health',
        rate: '50/s',
        duration: '30s',
        thresholds: { p95: '500ms', errors: '1%' },
      },
      {
        targets: [
          { url: 'https://api.example.com/v1/chat', method: 'POST', body: { prompt: 'hi' } },
          { url: 'https://api.example.com/v1/health' },
        ],
        connections: 20,
        requests: 2000,
        scaled: { ecs: { cluster: 'prod', service: 'api' }, within: '3m' },
      },
    ],
    allOf: [
      {
        anyOf: [
          { required: ['duration'], description: 'a bounded test: `duration` (e.g. 30s)' },
          { required: ['requests'], description: 'a bounded test: `requests` (e.g. 1000)' },
        ],
      },
      {
        anyOf: [
          { required: ['url'], description: 'a `url` to load' },
          { required: ['targets'], description: 'a list of `targets`' },
        ],
      },
    ],
    properties: {
      ...targetProps,
      targets: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        description: 'Several URLs loaded together (rate, connections and requests are split between them).',
        items: { type: 'object', additionalProperties: false, required: ['url'], properties: targetProps },
      },
      rate: {
        type: ['string', 'integer'],
        pattern: RATE_PATTERN,
        minimum: 1,
        maximum: LOAD_CAPS.rate,
        description: `Requests per second over all targets: \`50/s\`, \`600/m\`, or a number per second (at most ${LOAD_CAPS.rate}/s). Default: as fast as the connections allow.`,
        examples: ['50/s', '600/m', 20],
      },
      connections: {
        type: 'integer',
        minimum: 1,
        maximum: LOAD_CAPS.connections,
        description: 'Concurrent connections over all targets (default 10).',
      },
      // The one duration syntax; the 1h cap is checked when the step parses its spec (a schema `maximum`
      // would only reach plain numbers, and would make this the one duration unlike the others).
      duration: durationSchema('How long the load lasts (at most 1h).'),
      requests: {
        type: 'integer',
        minimum: 1,
        maximum: LOAD_CAPS.requests,
        description: `Stop after this many requests (at most ${LOAD_CAPS.requests}).`,
        examples: [1000],
      },
      timeout: durationSchema('Per-request timeout (default 10s); a timeout counts as an error.'),
      status: {
        type: 'array',
        minItems: 1,
        items: { type: 'integer', minimum: 100, maximum: 599 },
        description: 'Status codes that count as success (default 200–399).',
      },
      thresholds: {
        type: 'object',
        additionalProperties: false,
        description: 'What the results must meet (each one broken is named in the failure).',
        examples: [{ p95: '500ms', p99: '1s', errors: '1%' }],
        properties: {
          p50: latency('Median'),
          p90: latency('90th percentile'),
          p95: latency('95th percentile'),
          p99: latency('99th percentile'),
          max: latency('Maximum'),
          errors: {
            type: ['string', 'number'],
            pattern: PERCENT_PATTERN,
            minimum: 0,
            maximum: 100,
            description:
              'Largest error rate allowed, in % (default 1%): non-success statuses, connection errors and timeouts.',
            examples: ['1%', '0%', 0.5],
          },
          'min-rps': {
            type: 'number',
            minimum: 0,
            description: 'Smallest achieved request rate (requests per second) allowed.',
          },
        },
      },
      scaled: {
        type: 'object',
        additionalProperties: false,
        description:
          'Check that a service scaled out under the load: the ECS desired count or the Lambda provisioned concurrency (requested) before, and its highest value during the load and up to `within` after it.',
        properties: {
          ecs: {
            type: 'object',
            additionalProperties: false,
            required: ['cluster', 'service'],
            properties: {
              cluster: { type: 'string', minLength: 1 },
              service: { type: 'string', minLength: 1 },
            },
          },
          lambda: {
            type: 'object',
            additionalProperties: false,
            required: ['function', 'qualifier'],
            description: 'A function alias or version with provisioned concurrency under auto scaling.',
            properties: {
              function: { type: 'string', minLength: 1 },
              qualifier: { type: 'string', minLength: 1 },
            },
          },
          'at-least': {
            type: 'integer',
            minimum: 1,
            description: 'The value must reach this (default: more than before).',
          },
          within: durationSchema('Keep checking this long after the load (default 0: right after it).'),
          interval: durationSchema('Time between checks (default 15s).'),
        },
      },
    },
  },
  describe: (s) => {
    const n = s.spec.targets?.length ?? 1;
    const what = s.spec.url ?? (n === 1 ? s.spec.targets?.[0]?.url : `${n} targets`);
    const pace =
      s.spec.rate !== undefined ? `at ${s.spec.rate}` : `with ${s.spec.connections ?? 10} connections`;
    const bound = s.spec.duration !== undefined ? `for ${s.spec.duration}` : `${s.spec.requests} requests`;
    return `load-test ${what} ${pace} ${bound}`;
  },
  async execute(ctx, step) {
    const spec = step.spec;
    const plan = planOf(spec);
    if (typeof plan === 'string') return { status: 'failed', summary: plan };
    const scaled = spec.scaled;
    let scaleCheck: ScaleCheck | undefined;
    const run = async (clients?: AwsClients): Promise<StepResult> => {
      if (scaled && clients) {
        scaleCheck = new ScaleCheck(clients, scaled, ctx);
        await scaleCheck.before();
      }
      const paceText = plan.rate !== undefined ? `${plan.rate}/s` : `${plan.connections} connection(s)`;
      ctx.log(
        `load: ${plan.targets.map((t) => `${t.method} ${t.url}`).join(', ')} at ${paceText}, ${plan.requests !== undefined ? `${plan.requests} requests` : `for ${plan.durationMs! / 1000}s`}\n`,
        'info',
      );
      const pollScale =
        scaleCheck &&
        setInterval(() => void scaleCheck!.sample().catch(() => undefined), scaleCheck.intervalMs);
      let parts: LoadStats[];
      try {
        parts = await runLoad(plan, {
          signal: ctx.signal,
          onProgress: (p) =>
            ctx.log(
              `  ${Math.round(p.elapsedMs / 1000)}s: ${p.requests} requests (${Math.round((p.requests * 1000) / Math.max(1, p.elapsedMs))}/s), ${p.errors} error(s)\n`,
              'info',
            ),
        });
      } finally {
        if (pollScale) clearInterval(pollScale);
      }
      return judge(ctx, spec, parts, scaleCheck);
    };
    try {
      if (scaled) return await withClients(ctx, (c) => run(c));
      return await run();
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // The scaling check's AWS calls are tagged with their IAM action: explained in plain words.
      const action = iamActionOf(err, '');
      if (action)
        return awsFailure(
          ctx,
          err,
          action,
          scaled?.ecs ? `${scaled.ecs.cluster}/${scaled.ecs.service}` : scaled?.lambda?.function,
        );
      return { status: 'failed', summary: `load test could not run: ${(err as Error).message}` };
    }
  },
};

/** The spec as a runnable plan, or why it cannot run (the schema catches these first in offload.yml). */
export function planOf(spec: LoadTestSpec): Parameters<typeof runLoad>[0] | string {
  const raw: TargetSpec[] =
    spec.targets ??
    (spec.url ? [{ url: spec.url, method: spec.method, headers: spec.headers, body: spec.body }] : []);
  if (raw.length === 0) return 'no url or targets to load';
  if (spec.duration === undefined && spec.requests === undefined)
    return 'refused: an unbounded load test (give `duration` or `requests`)';
  const targets: LoadTarget[] = [];
  for (const t of raw) {
    try {
      const u = new URL(t.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return `invalid URL "${t.url}": expected http:// or https://`;
    }
    const headers = { ...(t.headers ?? {}) };
    let body: string | undefined;
    if (t.body !== undefined) {
      if (typeof t.body === 'string') body = t.body;
      else {
        body = JSON.stringify(t.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
    }
    targets.push({
      url: t.url,
      method: (t.method ?? (body ? 'POST' : 'GET')).toUpperCase(),
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }
  const durationMsValue = spec.duration === undefined ? undefined : parseDuration(spec.duration);
  if (spec.duration !== undefined && (durationMsValue === undefined || durationMsValue <= 0))
    return `duration ${JSON.stringify(spec.duration)} must be a positive duration`;
  if (durationMsValue !== undefined && durationMsValue > LOAD_CAPS.durationMs)
    return `refused: duration ${spec.duration} is over the cap of 1h for a load test`;
  if (spec.requests !== undefined && (spec.requests < 1 || spec.requests > LOAD_CAPS.requests))
    return `refused: requests must be between 1 and ${LOAD_CAPS.requests}`;
  const rate = parseRate(spec.rate);
  if (spec.rate !== undefined && rate === undefined)
    return `rate ${JSON.stringify(spec.rate)} is not a rate (use "50/s", "600/m" or a number per second)`;
  if (rate !== undefined && (rate < 1 || rate > LOAD_CAPS.rate))
    return `refused: rate ${spec.rate} is outside 1/s … ${LOAD_CAPS.rate}/s`;
  const connections = spec.connections ?? (rate !== undefined ? Math.min(10, Math.max(1, rate)) : 10);
  if (connections > LOAD_CAPS.connections) return `refused: connections over ${LOAD_CAPS.connections}`;
  return {
    targets,
    ...(rate !== undefined ? { rate } : {}),
    connections,
    ...(durationMsValue !== undefined && spec.requests === undefined ? { durationMs: durationMsValue } : {}),
    ...(spec.requests !== undefined ? { requests: spec.requests } : {}),
    timeoutMs: durationMs(spec.timeout, 10_000, 'timeout'),
    ...(spec.status ? { okStatus: spec.status } : {}),
  };
}

/** Requests per second of `50/s`, `600/m` or a number (per second); undefined when absent or invalid. */
export function parseRate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = new RegExp(RATE_PATTERN).exec(v);
  if (!m) return undefined;
  const n = Number(/\d+/.exec(v)![0]);
  return m[1]!.startsWith('m') ? Math.max(1, Math.round(n / 60)) : n;
}

const percentOf = (v: string | number | undefined): number | undefined =>
  v === undefined ? undefined : typeof v === 'number' ? v : Number(v.replace('%', '').trim());

const fmtMs = (v: number | undefined) =>
  v === undefined
    ? '—'
    : v >= 1000
      ? `${(v / 1000).toFixed(2)}s`
      : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`;

function table(parts: LoadStats[], total: LoadStats): string[] {
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

function judge(
  ctx: StepContext,
  spec: LoadTestSpec,
  parts: LoadStats[],
  scale?: ScaleCheck,
): Promise<StepResult> {
  const total = totalOf(parts);
  for (const l of table(parts, total)) ctx.log(`${l}\n`, 'info');
  const statuses = statusText(total);
  const failures = [...total.failures.entries()].map(([k, v]) => `${k} × ${v}`).join(', ');
  ctx.log(
    `status codes: ${statuses || 'none'}${failures ? `; connection errors: ${failures}` : ''}\n`,
    'info',
  );
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
  for (const [k, v] of Object.entries(outputs)) ctx.setOutput(k, v);
  ctx.record('load-test', {
    ...outputs,
    targets: parts.map((p) => ({ label: p.label, requests: p.requests, errors: p.errors })),
  });
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
  const headline = `${total.requests} requests, ${rps.toFixed(1)}/s, p95 ${fmtMs(total.latency.percentile(95))}, errors ${errorRate.toFixed(2)}%`;
  const finishScale = async (): Promise<StepResult> => {
    if (scale) {
      const s = await scale.after();
      ctx.log(`${s.message}\n`, s.ok ? 'info' : 'stderr');
      if (!s.ok) broken.push(s.message);
    }
    if (broken.length > 0) {
      for (const b of broken) ctx.log(`❌ ${b}\n`, 'stderr');
      return { status: 'failed', summary: `${broken.join('; ')} — ${headline}`, outputs };
    }
    return { status: 'passed', summary: headline, outputs };
  };
  return finishScale();
}

/** Reads a service's scale (ECS desired count / Lambda requested provisioned concurrency) before and after. */
class ScaleCheck {
  readonly intervalMs: number;
  private first?: number;
  private highest?: number;
  private readonly what: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly spec: NonNullable<LoadTestSpec['scaled']>,
    private readonly ctx: StepContext,
  ) {
    this.intervalMs = durationMs(spec.interval, 15_000, 'scaled.interval');
    this.what = spec.ecs
      ? `ECS ${spec.ecs.cluster}/${spec.ecs.service} desired count`
      : `Lambda ${spec.lambda?.function}:${spec.lambda?.qualifier} provisioned concurrency`;
  }

  private async read(): Promise<number> {
    const s = this.spec;
    if (s.ecs) {
      const ecs = s.ecs;
      const svc = await tagged('ecs:DescribeServices', async () => {
        const found = (
          await describeServices(
            this.clients.ecs,
            [{ cluster: ecs.cluster, service: ecs.service }],
            this.ctx.signal,
          )
        ).get(`${ecs.cluster}/${ecs.service}`);
        if (!found)
          throw Object.assign(new Error(`service ${ecs.service} not found in cluster ${ecs.cluster}`), {
            name: 'ServiceNotFoundException',
          });
        return found;
      });
      return svc.desiredCount ?? 0;
    }
    if (s.lambda) {
      const l = s.lambda;
      const sdk = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
      const res = await tagged('lambda:GetProvisionedConcurrencyConfig', () =>
        this.clients.lambda.send(
          new sdk.GetProvisionedConcurrencyConfigCommand({
            FunctionName: l.function,
            Qualifier: l.qualifier,
          }),
          { abortSignal: this.ctx.signal },
        ),
      );
      return res.RequestedProvisionedConcurrentExecutions ?? 0;
    }
    throw new Error('scaled: give ecs or lambda');
  }

  async before(): Promise<void> {
    this.first = await this.read();
    this.highest = this.first;
    this.ctx.log(`${this.what} before the load: ${this.first}\n`, 'info');
  }

  async sample(): Promise<number> {
    const v = await this.read();
    if (v > (this.highest ?? -Infinity)) {
      this.highest = v;
      this.ctx.log(`${this.what}: ${v}\n`, 'info');
    }
    return v;
  }

  private goal(): number {
    return this.spec['at-least'] ?? (this.first ?? 0) + 1;
  }

  async after(): Promise<{ ok: boolean; message: string }> {
    const deadline = Date.now() + durationMs(this.spec.within, 0, 'scaled.within');
    for (;;) {
      await this.sample();
      if ((this.highest ?? 0) >= this.goal()) {
        return { ok: true, message: `${this.what} scaled: ${this.first} → ${this.highest}` };
      }
      if (Date.now() + this.intervalMs > deadline) {
        return {
          ok: false,
          message: `${this.what} did not scale: ${this.first} before, at most ${this.highest} during and after the load (expected ${this.spec['at-least'] !== undefined ? `at least ${this.goal()}` : `more than ${this.first}`})`,
        };
      }
      await sleep(this.intervalMs, this.ctx.signal);
    }
  }
}
