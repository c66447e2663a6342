/**
 * The `load-test` spec: its type, its caps and the schema offload.yml is checked against. The caps and the
 * patterns live here so the schema and the plan (plan.ts) refuse the same things.
 */
import type { JsonSchema } from '../vocabulary';
import { durationSchema } from '../units';

/** Caps: a load test is a check, not a denial of service. */
export const LOAD_CAPS = { durationMs: 3_600_000, requests: 1_000_000, connections: 1000, rate: 10_000 };

/** A rate: `50/s`, `600/m` (parsed by parseRate in plan.ts). */
export const RATE_PATTERN = '^\\s*\\d+\\s*/\\s*(s|sec|m|min)\\s*$';
const PERCENT_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$';

/** One URL to load, with its request. */
export interface TargetSpec {
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

/** The schema of a `load-test` step's spec. */
export const loadTestSchema: JsonSchema = {
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
};
