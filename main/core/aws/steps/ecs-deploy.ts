/**
 * The `ecs-deploy` step kind (phase 3): rolls an ECS service out, and remembers per run what it deployed
 * (ecs-deploy-run.ts) so that `ecs-wait-stable` knows what "the deployed one" is. It takes the AWS clients
 * from `ctx.services.aws`, or builds them from `ctx.services.config` (offload.yml's `aws:`).
 */
import type { StepKind } from '../../vocabulary';
import { ecsServiceProperties } from '../config';

/** `ecs-deploy` spec. */
export interface EcsDeploySpec {
  cluster: string;
  service: string;
  force?: boolean;
  image?: string;
  container?: string;
}

/** Rolls a service out: a forced new deployment, or a new task-definition revision with a new image. */
export const ecsDeployStep: StepKind<EcsDeploySpec> = {
  key: 'ecs-deploy',
  // A change to AWS: only aws-prepare and aws-deploy, the phases whose gates cover one (a local pass on the same
  // source first, the team's lock, AWS testing after it before shutdown may stop the local models). In local it
  // would reach AWS before the local tests; in aws-test it would change what is being tested (the shutdown gate
  // would count the tests as passed after it); in shutdown or monitor (which need no AWS testing after them) it
  // would leave an untested deployment behind. Phase 6's redeploy runs the services entry point, not monitor.
  phases: ['aws-prepare', 'aws-deploy'],
  schema: {
    type: 'object',
    description: 'Roll out an ECS service. Outputs: taskDefinition, previousTaskDefinition, deploymentId.',
    additionalProperties: false,
    required: ['cluster', 'service'],
    properties: {
      ...ecsServiceProperties,
      force: {
        type: 'boolean',
        description: 'Force a new deployment (default: true without `image`, false with it).',
      },
      image: {
        type: 'string',
        minLength: 1,
        description:
          'New image (e.g. ${{ steps.push.outputs.image }}): registers a new revision of the current task definition with it.',
      },
      container: {
        type: 'string',
        minLength: 1,
        description: 'Container that gets the new image (required when the task definition has several).',
      },
    },
  },
  describe: (s) =>
    `deploy ${s.spec.service} on ${s.spec.cluster}${s.spec.image ? ` with ${s.spec.image}` : ''}`,
  // The deploy loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeEcsDeploy(ctx, step),
};
