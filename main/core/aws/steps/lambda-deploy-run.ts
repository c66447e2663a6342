/** The `lambda-deploy` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { durationMs } from '../../units';
import { deployFunction, iamActionOf, LambdaStateError } from '../lambda';
import { awsFailure, sleep, stepCliFlags, withClients } from '../step-support';
import { AwsOutagePastBudget } from '../ride-out';
import { offloadTags, tagLambdaFunction } from '../offload-tags';
import { lambdaDeployPlan, type LambdaDeploySpec } from './lambda-deploy';

/** What lambda-deploy published in a run, so lambda-invoke invokes exactly that (run id + function → qualifier). */
export const deployedInRun = new Map<string, string>();
/** The key of `deployedInRun`: a run and a function (by name, whether given as name or ARN). */
export const fnKey = (runId: string, fn: string) => `${runId}|${fn.split(':function:').pop()!.split(':')[0]}`;

/** Deploys code and/or configuration, publishes, moves the alias and remembers what lambda-invoke invokes. */
export async function executeLambdaDeploy(
  ctx: StepContext,
  step: ResolvedStep<LambdaDeploySpec>,
): Promise<StepResult> {
  const spec = step.spec;
  const plan = lambdaDeployPlan(spec, ctx.projectDir);
  if (typeof plan === 'string') return { status: 'failed', summary: plan };
  const { code, config, hasConfig } = plan;
  try {
    return await withClients(ctx, async (c) => {
      const out = await deployFunction(c.lambda, {
        functionName: spec.function,
        code,
        config: hasConfig ? config : undefined,
        publish: spec.publish ?? true,
        alias: spec.alias,
        description: spec.description,
        pollMs: durationMs(spec.interval, 2000, 'interval'),
        timeoutMs: durationMs(spec.timeout, 300_000, 'timeout'),
        signal: ctx.signal,
        log: (l) => ctx.log(`${l}\n`, 'info'),
        sleep,
      });
      // Offload's tags on the function (TagResource adds or replaces these keys only); a refusal is said, not fatal.
      const untagged = await tagLambdaFunction(c.lambda, out.functionArn, offloadTags(ctx), ctx.signal);
      if (untagged) ctx.log(`${untagged}\n`, 'stderr');
      const outputs: Record<string, string> = { 'function-arn': out.functionArn };
      if (out.version) outputs.version = out.version;
      if (out.aliasArn) outputs['alias-arn'] = out.aliasArn;
      // With an alias it is always published: empty when this deploy created the alias (nothing to go back to).
      if (spec.alias) outputs['previous-version'] = out.previousVersion ?? '';
      if (out.codeSha256) outputs['code-sha256'] = out.codeSha256;
      for (const [k, v] of Object.entries(outputs)) ctx.setOutput(k, v);
      const qualifier = spec.alias ?? out.version;
      if (qualifier) deployedInRun.set(fnKey(ctx.runId, spec.function), qualifier);
      ctx.record('lambda-deploy', { function: spec.function, ...out });
      const did = out.updates.length ? out.updates.join(' and ') : 'no update';
      return {
        status: 'passed' as const,
        summary: `${spec.function}: ${did}${out.version ? `, version ${out.version}` : ''}${
          spec.alias
            ? `, alias ${spec.alias}${out.previousVersion ? ` (was ${out.previousVersion})` : ' (created)'}`
            : ''
        }`,
        outputs,
      };
    });
  } catch (err) {
    if (err instanceof LambdaStateError) {
      if (ctx.signal.aborted) throw err;
      ctx.log(`${err.message}\n`, 'stderr');
      return { status: 'failed', summary: err.message };
    }
    return awsFailure(
      ctx,
      err,
      iamActionOf(err instanceof AwsOutagePastBudget ? err.last : err, 'lambda:UpdateFunctionCode'),
      spec.function,
      `An update already sent goes on in AWS: follow it with \`aws lambda get-function-configuration --function-name ${spec.function}${stepCliFlags(ctx)}\`.`,
    );
  }
}

/** Exposed for tests: forget what was deployed in a run. */
export function forgetDeployed(ctx: Pick<StepContext, 'runId'>, fn: string): void {
  deployedInRun.delete(fnKey(ctx.runId, fn));
}
