/**
 * `cloudwatch-logs-clean` (phase 3 verification): no log event matching the error pattern in the given log
 * groups since this deployment started (the run's start time) or within a duration; optionally kept watching
 * for a while, failing at the first match. A failure shows the first matching lines (with their log stream)
 * and a console link to the same search.
 *
 * API calls: one FilterLogEvents per group per check (more only when a group has more than a page of matches,
 * at most 5 pages per group).
 */
import type { StepKind } from '../../vocabulary';
import { durationSchema } from '../../units';
import { DEFAULT_FILTER_PATTERN } from '../../notify/config';

/** `cloudwatch-logs-clean` spec. */
export interface LogsCleanSpec {
  'log-groups': string[];
  pattern?: string;
  since?: string | number;
  watch?: string | number;
  interval?: string | number;
}

export const cloudwatchLogsCleanStep: StepKind<LogsCleanSpec> = {
  key: 'cloudwatch-logs-clean',
  // A read-only AWS check: any phase that may reach AWS (aws-prepare, aws-deploy, aws-test, after a local pass on
  // the same source), shutdown (a last look before the local models stop) and monitor (watching AWS is its job).
  // Not local: no AWS phase, read-only or not, may run before the local build and tests passed.
  phases: ['aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
  schema: {
    type: 'object',
    description:
      'Phase 3 verification: no log line matching the error pattern in these CloudWatch log groups since this run started (or within `since`). A failure shows the first matching lines with their log stream and a console link. Outputs: matches (the number of matching lines read).',
    additionalProperties: false,
    required: ['log-groups'],
    properties: {
      'log-groups': {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Log group names (one FilterLogEvents call each per check).',
        examples: [['/ecs/inference-api'], ['/aws/lambda/chat-handler', '/aws/lambda/embedder']],
      },
      pattern: {
        type: 'string',
        description: `CloudWatch Logs filter pattern of the lines that count as errors (default \`${DEFAULT_FILTER_PATTERN}\`: \`?a ?b\` is a OR b, terms are case-sensitive, \`"a phrase"\`, \`-term\` excludes; JSON logs: \`{ $.level = "error" }\`).`,
        examples: [DEFAULT_FILTER_PATTERN, '?ERROR ?CRITICAL -HealthCheck', '{ $.level = "error" }'],
      },
      since: durationSchema(
        'Look back this far instead of to the start of the run (e.g. `15m` when run on its own).',
      ),
      watch: durationSchema(
        'Keep checking for this long after the first clean check and fail at the first match (default: one check). Catches errors that come with the first traffic.',
      ),
      interval: durationSchema('Time between checks while watching (default 15s).'),
    },
    examples: [
      { 'log-groups': ['/ecs/inference-api'] },
      { 'log-groups': ['/aws/lambda/chat-handler'], pattern: '?ERROR ?Task timed out', watch: '2m' },
    ],
  },
  describe: (s) => `no errors in ${s.spec['log-groups'].join(', ')}`,
  // FilterLogEvents loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeCloudwatchLogsClean(ctx, step),
};
