/**
 * The `ecs-wait-stable` step kind (phase 3): waits until each service's rollout completed on the task
 * definition that was deployed (by `ecs-deploy` earlier in the run, unless given), riding out AWS outages.
 */
import type { StepKind } from '../../vocabulary';
import { durationSchema } from '../../units';

/** `ecs-wait-stable` spec. */
export interface EcsWaitStableSpec {
  cluster: string;
  services: string[];
  timeout?: string | number;
  interval?: string | number;
  'task-definition'?: string;
  'max-stopped-tasks'?: number;
}

/** Waits until each service's primary deployment completed on the deployed task definition. */
export const ecsWaitStableStep: StepKind<EcsWaitStableSpec> = {
  key: 'ecs-wait-stable',
  // A read-only AWS check: any phase that may reach AWS (aws-prepare, aws-deploy, aws-test, after a local pass on
  // the same source), shutdown (a last look before the local models stop) and monitor (watching AWS is its job).
  // Not local: no AWS phase, read-only or not, may run before the local build and tests passed.
  phases: ['aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
  schema: {
    type: 'object',
    description:
      'Wait until each service has completed its rollout (running = desired, no pending, one deployment) on the task definition that was deployed. A circuit-breaker rollback is a failure.',
    additionalProperties: false,
    required: ['cluster', 'services'],
    properties: {
      cluster: { type: 'string', minLength: 1, description: 'Cluster name or ARN.' },
      services: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Service names or ARNs (one DescribeServices call per 10).',
      },
      timeout: durationSchema('Give up after this long (default 10m).'),
      interval: durationSchema('Time between polls (default 15s).'),
      'task-definition': {
        type: 'string',
        description:
          'The task definition that must end up running (default: what ecs-deploy deployed earlier in this run, else the primary deployment seen first).',
      },
      'max-stopped-tasks': {
        type: 'integer',
        minimum: 1,
        description: 'Fail early once this many new tasks stopped during the rollout (default 3).',
      },
    },
  },
  describe: (s) => `wait for ${s.spec.services.join(', ')} on ${s.spec.cluster} to be stable`,
  // The polling loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeEcsWaitStable(ctx, step),
};
