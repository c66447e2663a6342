/**
 * The `aws:` and `gate:` sections of offload.yml (the `notify:` section lives in notify/config.ts and is
 * re-exported here for the registry): JSON Schemas and parsers with defaults.
 */
import type { JsonSchema } from '../vocabulary';
import { durationMs, durationSchema } from '../units';
import { alarmSelectorSchema } from '../notify/config';
export { alarmSelectorSchema, notifySchema, parseNotifyConfig, type NotifyConfig } from '../notify/config';

/** JSON Schema of `aws:`. */
export const awsSchema: JsonSchema = {
  type: 'object',
  description:
    'How Offload reaches AWS. Credentials always come from the default chain (environment, shared config and profiles, SSO, instance or container roles); they are never stored.',
  additionalProperties: false,
  properties: {
    profile: {
      type: 'string',
      minLength: 1,
      description: 'Named profile from ~/.aws/config (default: AWS_PROFILE or default).',
    },
    region: {
      type: 'string',
      minLength: 1,
      description: 'Region, e.g. eu-west-1 (default: AWS_REGION or the profile’s region).',
    },
    endpoint: {
      type: 'string',
      // written out: it is used as written (no `${{ … }}`: the user's values never go into a project-named endpoint)
      pattern: '^https?://[^\\s${}]+$',
      description:
        'Endpoint override for every AWS client (LocalStack, moto, the test endpoint), written out: it takes no ${{ … }}.',
    },
    'max-attempts': {
      type: 'integer',
      minimum: 1,
      maximum: 10,
      description: 'Attempts per API call including retries with back-off (default 3).',
    },
    timeout: durationSchema('Per-request timeout (default 10s).'),
  },
};

/** `cluster` and `service` of an ECS service, as the gate and the ECS steps name it. */
export const ecsServiceProperties: Record<string, JsonSchema> = {
  cluster: { type: 'string', minLength: 1, description: 'Cluster name or ARN.' },
  service: { type: 'string', minLength: 1, description: 'Service name or ARN.' },
};

const alarmsSchema = alarmSelectorSchema(
  'CloudWatch alarms that must not be in ALARM. One DescribeAlarms call covers all names.',
);

/** JSON Schema of `gate:` — what "AWS ready" means and what happens when it holds. */
export const gateSchema: JsonSchema = {
  type: 'object',
  description:
    'The AWS-ready gate: every service stable, every endpoint passing N consecutive checks, no alarm in ALARM. Unknown is never ready.',
  additionalProperties: false,
  properties: {
    services: {
      type: 'array',
      description:
        'ECS services that must be stable (one DescribeServices call per cluster for up to 10 services).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cluster', 'service'],
        properties: ecsServiceProperties,
      },
    },
    endpoints: {
      type: 'array',
      description: 'Health endpoints on AWS that must answer as expected.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: {
          name: { type: 'string', description: 'Display name (default: the URL).' },
          url: {
            type: 'string',
            pattern: '^(https?://|\\$\\{\\{)',
            description: 'URL to GET (may use ${{ … }}).',
          },
          status: {
            description: 'Expected status code or codes (default 200).',
            anyOf: [
              { type: 'integer', minimum: 100, maximum: 599 },
              { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 } },
            ],
          },
          body: { type: 'string', description: 'Text the response body must contain.' },
          timeout: durationSchema('Per-check timeout (default 5s); a timeout is a failed check.'),
        },
      },
    },
    alarms: alarmsSchema,
    'consecutive-passes': {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: 'Consecutive passing checks each endpoint needs before the gate can open (default 3).',
    },
    interval: durationSchema('How often the gate is evaluated (default 60s).'),
    'back-to-local-after': durationSchema(
      'When AWS stays not ready this long after having been ready, offer the way back to local (switch the config back and start the local models, verified) — or take it under policy auto (default 10m).',
    ),
    policy: {
      enum: ['auto', 'ask', 'notify'],
      description:
        'What happens when AWS becomes ready: auto = stop local model servers, switch config to AWS and run the project’s `shutdown` workflow to verify the dev tools against AWS; ask = notify with the action to take; notify = tell only (default ask).',
    },
  },
};

/** The parsed `aws:` section. */
export interface AwsConfig {
  profile?: string;
  region?: string;
  endpoint?: string;
  maxAttempts: number;
  timeoutMs: number;
}

export interface GateEndpointConfig {
  name: string;
  url: string;
  status: number[];
  body?: string;
  timeoutMs: number;
}

/** The parsed `gate:` section. */
export interface GateConfig {
  services: { cluster: string; service: string }[];
  endpoints: GateEndpointConfig[];
  alarms: { names: string[]; prefixes: string[] };
  consecutivePasses: number;
  intervalMs: number;
  policy: 'auto' | 'ask' | 'notify';
  /** How long AWS may stay not ready (after having been ready) before the way back to local is offered. */
  backToLocalAfterMs: number;
}

const obj = (raw: unknown): Record<string, unknown> =>
  raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Parses `aws:` (already schema-validated) and fills in defaults. */
export function parseAwsConfig(raw: unknown): AwsConfig {
  const r = obj(raw);
  return {
    profile: typeof r.profile === 'string' ? r.profile : undefined,
    region: typeof r.region === 'string' ? r.region : undefined,
    endpoint: typeof r.endpoint === 'string' ? r.endpoint : undefined,
    maxAttempts: typeof r['max-attempts'] === 'number' ? r['max-attempts'] : 3,
    timeoutMs: durationMs(r.timeout, 10_000, 'aws.timeout'),
  };
}

/** Parses `gate:` and fills in defaults (3 consecutive passes, 60 s interval, policy ask). */
export function parseGateConfig(raw: unknown): GateConfig {
  const r = obj(raw);
  const alarms = obj(r.alarms);
  const services = Array.isArray(r.services) ? r.services.map(obj) : [];
  const endpoints = Array.isArray(r.endpoints) ? r.endpoints.map(obj) : [];
  const policy = r.policy === 'auto' || r.policy === 'notify' ? r.policy : 'ask';
  return {
    services: services.map((s) => ({ cluster: String(s.cluster), service: String(s.service) })),
    endpoints: endpoints.map((e, i) => ({
      name: typeof e.name === 'string' ? e.name : String(e.url),
      url: String(e.url),
      status: Array.isArray(e.status)
        ? e.status.map(Number)
        : typeof e.status === 'number'
          ? [e.status]
          : [200],
      body: typeof e.body === 'string' ? e.body : undefined,
      timeoutMs: durationMs(e.timeout, 5000, `gate.endpoints[${i}].timeout`),
    })),
    alarms: { names: strs(alarms.names), prefixes: strs(alarms.prefixes) },
    consecutivePasses: typeof r['consecutive-passes'] === 'number' ? r['consecutive-passes'] : 3,
    intervalMs: durationMs(r.interval, 60_000, 'gate.interval'),
    policy,
    backToLocalAfterMs: durationMs(r['back-to-local-after'], 10 * 60_000, 'gate.back-to-local-after'),
  };
}

/** True when the gate section configures anything to check. */
export function gateConfigured(g: GateConfig): boolean {
  return g.services.length + g.endpoints.length + g.alarms.names.length + g.alarms.prefixes.length > 0;
}
