/**
 * The `http` step kind: one request per attempt (the engine retries with back-off), passing when the status is
 * expected (default 200–399) and the body matches (substring or {regex}).
 */
import { URL_PATTERN } from '../../config/schema';
import { durationSchema, parseDuration } from '../../units';
import { compileUserRegex } from '../../units/regex';
import { stepEffects } from '../../boundary';
import { PHASES, type StepKind } from '../types';

/** The value under `http:` in offload.yml. */
export interface HttpSpec {
  url: string;
  method?: string;
  /** Expected status: one code or a list; default any 200–399. */
  status?: number | number[];
  /** The body must contain this text, or match {regex}. */
  body?: string | { regex: string };
  headers?: Record<string, string>;
  /** Per-request timeout ("10s", or seconds); default 10s. */
  timeout?: string | number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

/** "connect ECONNREFUSED 127.0.0.1:9" from what fetch throws. */
export function networkError(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause;
  if (cause && typeof cause === 'object') {
    const agg = (cause as { errors?: (Error & { code?: string })[] }).errors;
    const first = agg?.[0] ?? cause;
    return first.message || first.code || e.message;
  }
  return e.message;
}

function statusOk(code: number, want: HttpSpec['status']): boolean {
  if (want === undefined) return code >= 200 && code <= 399;
  return (Array.isArray(want) ? want : [want]).includes(code);
}

async function readBody(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The URL and timeout of an http step, or what is wrong with them (validate and execute both ask). */
export function httpTarget(spec: {
  url: string;
  timeout?: string | number;
}): { url: URL; timeoutMs: number } | string {
  const timeoutMs = spec.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(spec.timeout);
  if (timeoutMs === undefined) return `invalid timeout ${JSON.stringify(spec.timeout)}`;
  try {
    const url = new URL(spec.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return { url, timeoutMs };
  } catch {
    return `invalid URL "${spec.url}": expected http:// or https://`;
  }
}

/** Checks an HTTP endpoint; one request per attempt. */
export const httpStep: StepKind<HttpSpec> = {
  key: 'http',
  // Any phase: what a script or a probe does is the project's own (building, testing, a health check), and each
  // phase has one; the rule's gates still decide when each phase may run.
  phases: PHASES,
  schema: {
    description: 'An HTTP check: one request per attempt; use retries/retry-delay for back-off.',
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        pattern: URL_PATTERN,
        description: 'http:// or https:// URL (may use ${{ … }}).',
      },
      method: {
        type: 'string',
        enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        default: 'GET',
      },
      status: {
        description: 'Expected status code(s); default any 200–399.',
        oneOf: [
          { type: 'integer', minimum: 100, maximum: 599 },
          { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 }, minItems: 1 },
        ],
      },
      body: {
        description: 'The body must contain this text, or match {regex: "…"}.',
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['regex'],
            properties: {
              regex: {
                type: 'string',
                minLength: 1,
                format: 'regex',
                description: 'Regular expression (RE2 syntax: no lookaround or backreferences).',
              },
            },
          },
        ],
      },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      timeout: durationSchema('Per-request timeout (default 10s).'),
    },
  },
  check: (spec) => {
    const t = httpTarget(spec);
    return typeof t === 'string' ? [t] : [];
  },
  describe: (s) => `${(s.spec.method ?? 'GET').toUpperCase()} ${s.spec.url}`,
  async execute(ctx, step) {
    const spec = step.spec;
    const method = (spec.method ?? 'GET').toUpperCase();
    const target = httpTarget(spec);
    if (typeof target === 'string') return { status: 'failed', summary: target };
    const { url, timeoutMs } = target;
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timer]);
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    try {
      const res = await stepEffects(ctx.services).request(url, {
        method,
        headers: spec.headers,
        signal,
        redirect: 'follow',
      });
      const body = method === 'HEAD' ? '' : await readBody(res);
      const took = ms();
      // A fragment is never sent (fetch's url has none): only another URL is a redirect.
      const sent = url.href.slice(0, url.href.length - url.hash.length);
      const moved = res.url && res.url !== sent ? `, redirected to ${res.url}` : '';
      ctx.log(`${method} ${url.href} -> ${res.status} (${took} ms${moved})\n`, 'info');
      if (!statusOk(res.status, spec.status)) {
        const want = spec.status === undefined ? '200-399' : [spec.status].flat().join(' or ');
        if (body) ctx.log(`${body.slice(0, 2000)}\n`, 'info');
        return { status: 'failed', summary: `HTTP ${res.status} in ${took} ms (expected ${want})` };
      }
      if (spec.body !== undefined) {
        let ok: boolean;
        try {
          // The user's pattern runs in linear time (RE2): a body cannot make it backtrack for minutes.
          ok =
            typeof spec.body === 'string'
              ? body.includes(spec.body)
              : compileUserRegex(spec.body.regex).test(body);
        } catch (err) {
          return { status: 'failed', summary: (err as Error).message };
        }
        if (!ok) {
          ctx.log(`${body.slice(0, 2000)}\n`, 'info');
          const what =
            typeof spec.body === 'string'
              ? `contain ${JSON.stringify(spec.body)}`
              : `match /${spec.body.regex}/`;
          return {
            status: 'failed',
            summary: `HTTP ${res.status} in ${took} ms but the body does not ${what}`,
          };
        }
      }
      return {
        status: 'passed',
        summary: `HTTP ${res.status} in ${took} ms`,
        outputs: { status: String(res.status) },
      };
    } catch (err) {
      if (ctx.signal.aborted) return { status: 'failed', summary: 'aborted' };
      if (timer.aborted)
        return { status: 'failed', summary: `no response in ${timeoutMs} ms (${method} ${url.href})` };
      const msg = networkError(err);
      ctx.log(`${method} ${url.href} -> ${msg}\n`, 'info');
      return { status: 'failed', summary: msg };
    }
  },
};
