/**
 * The `notify:` section of offload.yml: which CloudWatch log groups to watch for errors, which alarms to
 * report besides the gate's, and whether to use desktop notifications.
 */
import { durationMs, durationSchema } from '../units';
import type { JsonSchema } from '../vocabulary';

/** Default filter: CloudWatch Logs syntax, `?a ?b` = a OR b (terms are case-sensitive). */
export const DEFAULT_FILTER_PATTERN = '?ERROR ?Error ?Exception ?Traceback';

/** `{ names, prefixes }` of CloudWatch alarms: one schema for the gate, notify and cloudwatch-alarms-ok. */
export function alarmSelectorSchema(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    properties: {
      names: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Alarm names.' },
      prefixes: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Alarm name prefixes (one DescribeAlarms call per prefix).',
      },
    },
  };
}

/** JSON Schema of `notify:`. */
export const notifySchema: JsonSchema = {
  type: 'object',
  description: 'Phase 6 (monitor): CloudWatch alarms and error log lines raised as notifications.',
  additionalProperties: false,
  properties: {
    desktop: {
      type: 'boolean',
      description: 'Show desktop notifications through node-notifier (default true).',
    },
    interval: durationSchema('How often alarms and log groups are polled (default 60s).'),
    'quiet-period': durationSchema(
      'Phase 6: how long after a deployment must pass with no new error and no alarm for it to count as stable (default 15m).',
    ),
    'local-logs': {
      type: 'array',
      description:
        'Phase 6 on the local side: log files of the dev system (a path or a glob in its last part, relative to the project) followed for new error lines, through rotation and truncation; notified like CloudWatch errors.',
      items: {
        type: 'object',
        additionalProperties: false,
        oneOf: [{ required: ['path'] }, { required: ['command'] }],
        properties: {
          path: { type: 'string', minLength: 1, description: 'File or glob, e.g. `logs/*.log`.' },
          command: {
            type: 'string',
            minLength: 1,
            description:
              'Or a command whose output is read, e.g. `docker compose logs -f --no-color` (runs in the project folder once the project is trusted; restarted after 30 s if it ends).',
          },
          pattern: {
            type: 'string',
            format: 'regex',
            description: 'Error pattern (default: ERROR, Error, Exception, Traceback, FATAL, panic).',
          },
          window: durationSchema(
            'Errors within this window become one notification per file or command (default 60s).',
          ),
        },
      },
    },
    'log-groups': {
      type: 'array',
      description:
        'CloudWatch log groups to watch for new error lines (no gaps or duplicates across restarts).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'Log group name, e.g. /ecs/inference-api.' },
          'filter-pattern': {
            type: 'string',
            description: `CloudWatch Logs filter pattern of the lines that count as errors (default \`${DEFAULT_FILTER_PATTERN}\`).`,
          },
          window: durationSchema(
            'Errors within this window become one notification per group (default 60s, the poll interval).',
          ),
        },
      },
    },
    alarms: alarmSelectorSchema('Alarms to notify about besides those in gate.alarms.'),
    budget: {
      type: 'object',
      description:
        'Warn (one notice, again only after it dropped below) when the AWS cost estimate of the last deploy exceeds this, in USD.',
      additionalProperties: false,
      properties: {
        'per-hour': { type: 'number', minimum: 0, maximum: 1e6, description: 'USD per hour, e.g. 1.5.' },
        'per-day': {
          type: 'number',
          minimum: 0,
          maximum: 1e8,
          description: 'USD per day at the hourly rate, e.g. 20.',
        },
      },
    },
  },
};

export interface LogGroupConfig {
  name: string;
  filterPattern: string;
  windowMs: number;
}

/** The parsed `notify:` section with defaults. */
export interface NotifyConfig {
  desktop: boolean;
  intervalMs: number;
  /** Local dev-system log files followed for error lines. */
  localLogs: { path?: string; command?: string; pattern?: string; windowMs: number }[];
  /** Phase 6: a deployment is stable after this long without a new error or alarm. */
  quietPeriodMs: number;
  logGroups: LogGroupConfig[];
  alarms: { names: string[]; prefixes: string[] };
  /** `budget:` in USD; absent: no budget warning. */
  budget?: { perHour?: number; perDay?: number };
}

type Raw = Record<string, unknown> | undefined;

/** Parses `notify:` (already schema-validated) and fills in defaults. */
export function parseNotifyConfig(raw: unknown): NotifyConfig {
  const r = (raw ?? {}) as Record<string, unknown>;
  const groups = Array.isArray(r['log-groups']) ? (r['log-groups'] as Raw[]) : [];
  const alarms = (r.alarms ?? {}) as Record<string, unknown>;
  const b = (r.budget ?? {}) as Record<string, unknown>;
  const budget = {
    ...(typeof b['per-hour'] === 'number' ? { perHour: b['per-hour'] } : {}),
    ...(typeof b['per-day'] === 'number' ? { perDay: b['per-day'] } : {}),
  };
  return {
    ...(Object.keys(budget).length ? { budget } : {}),
    desktop: r.desktop !== false,
    intervalMs: durationMs(r.interval, 60_000, 'notify.interval'),
    quietPeriodMs: durationMs(r['quiet-period'], 15 * 60_000, 'notify.quiet-period'),
    localLogs: (Array.isArray(r['local-logs']) ? (r['local-logs'] as Record<string, unknown>[]) : []).map(
      (l, i) => ({
        ...(typeof l.path === 'string' ? { path: l.path } : {}),
        ...(typeof l.command === 'string' ? { command: l.command } : {}),
        ...(typeof l.pattern === 'string' ? { pattern: l.pattern } : {}),
        windowMs: durationMs(l.window, 60_000, `notify.local-logs[${i}].window`),
      }),
    ),
    logGroups: groups.map((g, i) => ({
      name: String(g?.name ?? ''),
      filterPattern:
        typeof g?.['filter-pattern'] === 'string' ? (g['filter-pattern'] as string) : DEFAULT_FILTER_PATTERN,
      windowMs: durationMs(g?.window, 60_000, `notify.log-groups[${i}].window`),
    })),
    alarms: {
      names: Array.isArray(alarms.names) ? alarms.names.map(String) : [],
      prefixes: Array.isArray(alarms.prefixes) ? alarms.prefixes.map(String) : [],
    },
  };
}
