/** The `ecs-deploy` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { deployService } from '../ecs';
import { offloadTags } from '../offload-tags';
import { awsFailure, withClients } from '../step-support';
import type { EcsDeploySpec } from './ecs-deploy';

/** Task definitions deployed in a run, so ecs-wait-stable knows what "the deployed one" is. */
export const deployedInRun = new Map<string, string>();
/** The key of `deployedInRun`: one service of one cluster in one run. */
export const deployKey = (runId: string, cluster: string, service: string) =>
  `${runId}|${cluster}|${service}`;

/** Starts the rollout and remembers the task definition it deployed for ecs-wait-stable. */
export async function executeEcsDeploy(
  ctx: StepContext,
  step: ResolvedStep<EcsDeploySpec>,
): Promise<StepResult> {
  const spec = step.spec;
  try {
    return await withClients(ctx, async (c) => {
      const out = await deployService(c.ecs, { ...spec, signal: ctx.signal, tags: offloadTags(ctx) }, (l) =>
        ctx.log(l, 'info'),
      );
      deployedInRun.set(deployKey(ctx.runId, spec.cluster, spec.service), out.taskDefinition);
      ctx.setOutput('taskDefinition', out.taskDefinition);
      ctx.setOutput('previousTaskDefinition', out.previousTaskDefinition);
      if (out.deploymentId) ctx.setOutput('deploymentId', out.deploymentId);
      ctx.record('ecs-deploy', { cluster: spec.cluster, service: spec.service, image: spec.image, ...out });
      return {
        status: 'passed' as const,
        summary: `${out.registered ? 'new revision' : 'new deployment'} ${out.taskDefinition.split('/').pop()} started`,
        outputs: { taskDefinition: out.taskDefinition },
      };
    });
  } catch (err) {
    return awsFailure(ctx, err, 'ecs-deploy', `${spec.cluster}/${spec.service}`);
  }
}
