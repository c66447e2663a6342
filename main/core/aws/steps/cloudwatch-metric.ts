/**
 * `cloudwatch-metric`: a statistic or percentile of one or more CloudWatch metrics over a window, compared with
 * a threshold, in ONE GetMetricData call (per check) for all of them. Every datapoint in the window must pass;
 * a metric without data is `fail` (default: no false ✅), `pass` (metrics that are only emitted when non-zero,
 * such as ALB 5XX counts) or `wait` (poll until data arrives or the timeout).
 */
import type { StepKind } from '../../vocabulary';
import { durationSchema } from '../../units';

/** One metric to check. */
export interface MetricRef {
  namespace: string;
  metric: string;
  dimensions?: Record<string, string | number>;
  stat?: string;
  threshold?: string;
  label?: string;
}

/** `cloudwatch-metric` spec: one metric inline, or `metrics:` for several (inline keys are their defaults). */
export interface MetricSpec extends Partial<MetricRef> {
  metrics?: MetricRef[];
  window?: string | number;
  period?: string | number;
  missing?: 'fail' | 'pass' | 'wait';
  timeout?: string | number;
  interval?: string | number;
}

export const THRESHOLD_PATTERN = '^\\s*(<=|>=|==|!=|<|>|=)\\s*-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?\\s*$';
export const STAT_PATTERN =
  '^(Sum|Average|Minimum|Maximum|SampleCount|IQM|p\\d{1,2}(\\.\\d{1,2})?|p100|(tm|wm|tc|ts|pr)\\d{1,2}(\\.\\d{1,2})?)$';

const metricProperties = {
  namespace: {
    type: 'string',
    minLength: 1,
    description: 'Metric namespace, e.g. AWS/ApplicationELB, AWS/Lambda, AWS/ECS, or your own.',
  },
  metric: {
    type: 'string',
    minLength: 1,
    description: 'Metric name, e.g. HTTPCode_Target_5XX_Count, TargetResponseTime, Errors.',
  },
  dimensions: {
    type: 'object',
    additionalProperties: { type: ['string', 'number'] },
    description:
      'Dimensions exactly as the metric is published (a metric with other or extra dimensions is another metric).',
  },
  stat: {
    type: 'string',
    pattern: STAT_PATTERN,
    description:
      'Statistic: Sum, Average (default), Minimum, Maximum, SampleCount, or a percentile p50, p95, p99, p99.9.',
  },
  threshold: {
    type: 'string',
    pattern: THRESHOLD_PATTERN,
    description:
      'What every datapoint must satisfy: `< 500`, `<= 1`, `= 0`, `>= 0.99`, `!= 0`, in the metric’s own unit (ALB TargetResponseTime is in seconds, Lambda Duration in milliseconds).',
  },
  label: { type: 'string', description: 'Name shown in the log and the summary.' },
} as const;

export const cloudwatchMetricStep: StepKind<MetricSpec> = {
  key: 'cloudwatch-metric',
  // A read-only AWS check: any phase that may reach AWS (aws-prepare, aws-deploy, aws-test, after a local pass on
  // the same source), shutdown (a last look before the local models stop) and monitor (watching AWS is its job).
  // Not local: no AWS phase, read-only or not, may run before the local build and tests passed.
  phases: ['aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
  schema: {
    type: 'object',
    description:
      'A statistic or percentile of one or more CloudWatch metrics over a window, compared with a threshold; all metrics in one GetMetricData call. Every datapoint must pass. Outputs: value (the first metric’s worst datapoint) and m0, m1, … per metric.',
    additionalProperties: false,
    anyOf: [{ required: ['namespace', 'metric', 'threshold'] }, { required: ['metrics'] }],
    properties: {
      ...metricProperties,
      metrics: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        description: 'Several metrics; `stat` and `threshold` at the step level are their defaults.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['namespace', 'metric'],
          properties: metricProperties,
        },
      },
      window: durationSchema('How far back to look (default 5m).'),
      period: durationSchema(
        'Datapoint length (default: the whole window, one datapoint); 1s/5s/10s/30s or whole minutes.',
      ),
      missing: {
        enum: ['fail', 'pass', 'wait'],
        description:
          'A metric with no datapoint in the window: fail (default), pass (metrics published only when non-zero, such as ALB 5XX counts), or wait for data until `timeout`.',
      },
      timeout: durationSchema('With missing: wait, give up after this long (default 5m).'),
      interval: durationSchema('With missing: wait, time between checks (default 30s).'),
    },
    examples: [
      {
        label: 'target 5XX',
        namespace: 'AWS/ApplicationELB',
        metric: 'HTTPCode_Target_5XX_Count',
        dimensions: { LoadBalancer: 'app/inference/50dc6c495c0c9188' },
        stat: 'Sum',
        threshold: '= 0',
        window: '10m',
        missing: 'pass',
      },
      {
        label: 'p95 latency under 500 ms',
        namespace: 'AWS/ApplicationELB',
        metric: 'TargetResponseTime',
        dimensions: { LoadBalancer: 'app/inference/50dc6c495c0c9188' },
        stat: 'p95',
        threshold: '< 0.5',
        missing: 'wait',
      },
      {
        stat: 'Sum',
        threshold: '= 0',
        metrics: [
          { namespace: 'AWS/Lambda', metric: 'Errors', dimensions: { FunctionName: 'chat-handler' } },
          { namespace: 'AWS/Lambda', metric: 'Throttles', dimensions: { FunctionName: 'chat-handler' } },
        ],
      },
    ],
  },
  describe: (s) => {
    const list = s.spec.metrics?.length ? s.spec.metrics : [s.spec as MetricRef];
    return list.length === 1
      ? `${list[0]!.label ?? list[0]!.metric} ${list[0]!.stat ?? s.spec.stat ?? 'Average'} ${list[0]!.threshold ?? s.spec.threshold ?? ''}`.trim()
      : `${list.length} CloudWatch metrics within their thresholds`;
  },
  // GetMetricData loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeCloudwatchMetric(ctx, step),
};
