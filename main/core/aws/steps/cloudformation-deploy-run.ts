/** The `cloudformation-deploy` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { durationMs } from '../../units';
import { awsFailure, stepCliFlags, withClients } from '../step-support';
import { stableOffloadTags, withOffloadTags } from '../offload-tags';
import {
  DeployProblem,
  deployStack,
  type CfnDeployOutcome,
  type CfnDeploySpec,
  type ChangeType,
  type Cli,
} from '../cloudformation-stack';
import { readTemplate } from './cloudformation-deploy';

/** `offload-<run id>-<attempt>`: unique per attempt, valid as a change set name ([a-zA-Z][-a-zA-Z0-9]*). */
export function changeSetName(runId: string, attempt: number): string {
  return `offload-${runId.replace(/[^A-Za-z0-9-]/g, '-')}-${attempt}`.slice(0, 128);
}

/** Deploys the stack through a change set and publishes its outputs; a cancel says what goes on in AWS. */
export async function executeCloudformationDeploy(
  ctx: StepContext,
  step: ResolvedStep<CfnDeploySpec>,
): Promise<StepResult> {
  const spec = step.spec;
  let action = 'cloudformation:DescribeStacks';
  let executed: ChangeType | undefined;
  let executing: ChangeType | undefined;
  const cli: Cli = { flags: stepCliFlags(ctx) };
  try {
    const template = spec.template ? readTemplate(ctx.projectDir, spec.template) : undefined;
    if (template?.problem) throw new DeployProblem(template.problem);
    const body = template?.body;
    return await withClients(ctx, async (c) => {
      const out = await deployStack(c.cloudformation, {
        // Offload's project tag beside the user's, theirs winning; the stack propagates it. Not the run id:
        // a tag that changes every run would make every deploy a change to every taggable resource.
        spec: { ...spec, tags: withOffloadTags(spec.tags, stableOffloadTags(ctx)) },
        body,
        changeSetName: changeSetName(ctx.runId, ctx.attempt),
        timeoutMs: durationMs(spec.timeout, 3_600_000, 'timeout'),
        intervalMs: durationMs(spec.interval, 5000, 'interval'),
        cli,
        signal: ctx.signal,
        log: (l, stream) => ctx.log(l, stream ?? 'info'),
        onAction: (a) => (action = a),
        onExecuted: (type) => (executed = type),
        onExecuting: (type) => (executing = type),
      });
      return succeed(ctx, spec, out);
    });
  } catch (err) {
    if (ctx.signal.aborted && executing) {
      // Stopping Offload does not stop CloudFormation: say so, and how to follow or stop the operation.
      const notice = cancelledWhileExecuting(spec.stack, executing, cli.flags, executed !== undefined);
      ctx.log(notice, 'stderr');
      return { status: 'failed', summary: notice };
    }
    if (err instanceof DeployProblem) {
      if (ctx.signal.aborted) throw err;
      ctx.log(err.message, 'stderr');
      ctx.record('cloudformation-deploy', { stack: spec.stack, result: 'failed', reason: err.message });
      return { status: 'failed', summary: err.message };
    }
    const capabilities = /Requires capabilities\s*:\s*\[([^\]]*)\]/i.exec((err as Error)?.message ?? '');
    if (capabilities && !ctx.signal.aborted) {
      return {
        status: 'failed',
        summary: `stack ${spec.stack} needs capabilities [${capabilities[1]}]: add \`capabilities: [${capabilities[1]}]\` to the step (the template creates IAM resources or uses a transform such as SAM)`,
      };
    }
    return awsFailure(
      ctx,
      err,
      action,
      `stack ${spec.stack}`,
      executed
        ? `The change set was executed: the stack keeps updating in AWS. Follow it with \`aws cloudformation describe-stack-events --stack-name ${spec.stack}${cli.flags}\`, or stop it with \`aws cloudformation cancel-update-stack --stack-name ${spec.stack}${cli.flags}\`.`
        : undefined,
    );
  }
}

/** What goes on in AWS when a deploy is cancelled after its change set was executed, and the commands for it. */
export function cancelledWhileExecuting(
  stack: string,
  type: ChangeType,
  flags: string,
  confirmed: boolean,
): string {
  const name = `--stack-name ${stack}${flags}`;
  const stop =
    type === 'UPDATE'
      ? `stop it and roll back: \`aws cloudformation cancel-update-stack ${name}\``
      : `stop it: \`aws cloudformation delete-stack ${name}\``;
  return `cancelled here, but the stack ${type === 'UPDATE' ? 'update' : 'creation'} goes on in AWS (the change set ${confirmed ? 'was executed' : 'was sent for execution'}). Follow it: \`aws cloudformation describe-stack-events ${name}\`; ${stop}. The next run waits for it to finish first.`;
}

function succeed(ctx: StepContext, spec: CfnDeploySpec, out: CfnDeployOutcome): StepResult {
  // The step's own outputs; a stack output of the same name wins.
  const meta = {
    stackId: out.stackId,
    stackStatus: out.status,
    changes: String(out.changes),
  };
  const outputs = { ...meta, ...out.outputs };
  for (const [k, v] of Object.entries(outputs)) ctx.setOutput(k, v);
  for (const [k, v] of Object.entries(out.outputs)) ctx.log(`output ${k} = ${v}`, 'info');
  // The change set names this deployment (two deployments of one commit differ); none when nothing changed.
  const changeSet = out.result === 'no-changes' ? {} : { changeSet: changeSetName(ctx.runId, ctx.attempt) };
  ctx.record('cloudformation-deploy', { stack: spec.stack, ...changeSet, ...out });
  const what =
    out.result === 'no-changes'
      ? 'no changes'
      : `${out.result} (${out.changes} change${out.changes === 1 ? '' : 's'})`;
  const n = Object.keys(out.outputs).length;
  return {
    status: 'passed',
    summary: `stack ${spec.stack} ${what}: ${out.status}${n ? `, ${n} output${n === 1 ? '' : 's'}` : ''}`,
    outputs,
  };
}
