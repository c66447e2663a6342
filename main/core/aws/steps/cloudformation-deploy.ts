/**
 * `cloudformation-deploy`: create or update a stack through a change set, the way `aws cloudformation deploy`
 * does, with the honesty of the ECS steps — stack events stream into the step log as they happen, a failure
 * names the FIRST resource that failed and why (not the last rollback line), a stack stuck in a state that
 * needs a human gets the exact next command, "no changes" is a pass, and the stack's outputs become step
 * outputs (`${{ steps.<id>.outputs.ApiUrl }}`).
 *
 * API calls per run: DescribeStacks (1 + 1 per poll), DescribeStackEvents (1 per poll, more only when a poll
 * brings more than a page of events), CreateChangeSet, DescribeChangeSet (until it is ready), ExecuteChangeSet.
 */
import fs from 'node:fs';
import { readProjectText } from '../../boundary/files';
import { resolveProjectPath } from '../../boundary/project-paths';
import type { StepContext, StepKind, StepResult } from '../../vocabulary';
import { durationMs, durationSchema } from '../../units';
import { awsFailure, stepCliFlags, withClients } from '../step-support';
import { parseTemplate, TemplateSyntaxError } from '../cloudformation-template';
import { stableOffloadTags, withOffloadTags } from '../offload-tags';
import {
  DeployProblem,
  deployStack,
  type CfnDeployOutcome,
  type CfnDeploySpec,
  type ChangeType,
  type Cli,
} from '../cloudformation-stack';

export { StackEventStream, firstFailure, formatEvent } from '../cloudformation-events';
export {
  deployStack,
  stuckAdvice,
  templateParameters,
  type CfnDeployOutcome,
  type CfnDeploySpec,
} from '../cloudformation-stack';

/** CloudFormation takes at most this many bytes of template in the request; larger ones must be in S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * Reads the template file (relative to the project), refusing what CloudFormation would refuse. At validate a
 * template not there yet is left to the run (an earlier step may build it): `missing: 'later'` returns undefined.
 */
function readTemplate(
  projectDir: string,
  file: string,
  missing: 'refuse' | 'later' = 'refuse',
): string | undefined {
  // Inside the project (or its git work tree) as validate checks, again now: an earlier step built it, or a
  // link changed since. The resolved file is the one read, never the link.
  const place = resolveProjectPath(projectDir, file, { what: 'deploys templates', gitRoot: true });
  if (place.outside) throw new DeployProblem(`template ${place.outside}; nothing was sent to AWS`);
  const full = place.target;
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    if (missing === 'later') return undefined;
    throw new DeployProblem(
      `template ${file} not found (looked for ${full}); build it first (e.g. \`cdk synth\`, \`sam package\`) in an earlier step`,
    );
  }
  if (!st.isFile()) throw new DeployProblem(`template ${file} is not a file`);
  if (st.size > MAX_TEMPLATE_BODY_BYTES) {
    throw new DeployProblem(
      `template ${file} is ${st.size.toLocaleString('en-US')} bytes; CloudFormation takes at most 51,200 bytes inline. Upload it to S3 (\`aws cloudformation package --s3-bucket …\`, \`sam package\` or \`cdk deploy\` do) and give its https:// URL as \`template-url\``,
    );
  }
  // Regular file only, opened without blocking; the size was checked above (a swap since is caught too).
  const body = readProjectText(full, { maxBytes: MAX_TEMPLATE_BODY_BYTES, what: 'template' });
  try {
    parseTemplate(body);
  } catch (err) {
    if (err instanceof TemplateSyntaxError)
      throw new DeployProblem(`template ${file}:${err.message} (nothing was sent to AWS)`);
    throw err;
  }
  return body;
}

/** `offload-<run id>-<attempt>`: unique per attempt, valid as a change set name ([a-zA-Z][-a-zA-Z0-9]*). */
export function changeSetName(runId: string, attempt: number): string {
  return `offload-${runId.replace(/[^A-Za-z0-9-]/g, '-')}-${attempt}`.slice(0, 128);
}

export const cloudformationDeployStep: StepKind<CfnDeploySpec> = {
  key: 'cloudformation-deploy',
  // A change to AWS: only aws-prepare and aws-deploy, the phases whose gates cover one (a local pass on the same
  // source first, the team's lock, AWS testing after it before shutdown may stop the local models). In local it
  // would reach AWS before the local tests; in aws-test it would change what is being tested (the shutdown gate
  // would count the tests as passed after it); in shutdown or monitor (which need no AWS testing after them) it
  // would leave an untested deployment behind. Phase 6's redeploy runs the services entry point, not monitor.
  phases: ['aws-prepare', 'aws-deploy'],
  schema: {
    type: 'object',
    description:
      'Create or update a CloudFormation stack through a change set (as `aws cloudformation deploy`), streaming stack events into the log. No changes is a pass. A failure names the first resource that failed and why; a stack stuck in UPDATE_ROLLBACK_FAILED or ROLLBACK_COMPLETE gets the exact next command. Outputs: every stack output by its key (e.g. `${{ steps.stack.outputs.ApiUrl }}`), plus stackId, stackStatus and changes (a stack output of the same name wins).',
    additionalProperties: false,
    required: ['stack'],
    oneOf: [{ required: ['template'] }, { required: ['template-url'] }],
    properties: {
      stack: {
        type: 'string',
        pattern: '^[A-Za-z][A-Za-z0-9-]{0,127}$',
        description: 'Stack name.',
        examples: ['inference-api'],
      },
      template: {
        type: 'string',
        minLength: 1,
        description:
          'Template file relative to the project (JSON or YAML, at most 51,200 bytes): the one `cdk synth` writes (cdk.out/<Stack>.template.json), `sam package --output-template-file`, or your own.',
        examples: ['cdk.out/InferenceStack.template.json', 'packaged.yaml', 'infra/stack.yaml'],
      },
      'template-url': {
        type: 'string',
        pattern: '^https://',
        description: 'S3 URL of the template, for templates over 51,200 bytes (up to 1 MB).',
        examples: ['https://my-bucket.s3.amazonaws.com/stacks/inference.yaml'],
      },
      parameters: {
        type: 'object',
        description:
          'Template parameters. On an update, parameters the stack has and this map does not set keep their previous values.',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
        examples: [{ ImageUri: '${{ steps.push.outputs.image }}', Stage: 'dev' }],
      },
      capabilities: {
        type: 'array',
        description:
          'Capabilities you acknowledge: CAPABILITY_IAM / CAPABILITY_NAMED_IAM for IAM resources, CAPABILITY_AUTO_EXPAND for macros and SAM templates (Transform).',
        items: { enum: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] },
        uniqueItems: true,
        examples: [['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']],
      },
      tags: {
        type: 'object',
        description: 'Stack tags (propagated to the resources that support them).',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
        examples: [{ project: 'inference', owner: 'ml-team' }],
      },
      'role-arn': {
        type: 'string',
        pattern: '^arn:',
        description: 'Service role CloudFormation assumes for the deploy (needs iam:PassRole).',
      },
      'recreate-on-rollback-complete': {
        type: 'boolean',
        description:
          'A stack whose creation failed (ROLLBACK_COMPLETE) can only be deleted: delete it and create it again (default false: fail with the delete-stack command).',
      },
      timeout: durationSchema('Give up following the stack after this long (default 60m).'),
      interval: durationSchema('Time between polls of the stack and its events (default 5s).'),
    },
    examples: [
      {
        stack: 'inference-api',
        template: 'cdk.out/InferenceStack.template.json',
        parameters: { ImageUri: '${{ steps.push.outputs.image }}' },
        capabilities: ['CAPABILITY_IAM'],
      },
      {
        stack: 'chat-backend',
        template: 'packaged.yaml',
        capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
        'recreate-on-rollback-complete': true,
      },
    ],
  },
  check: (spec, config) => {
    if (!spec.template) return [];
    try {
      readTemplate(config.dir, spec.template, 'later');
      return [];
    } catch (err) {
      if (err instanceof DeployProblem) return [err.message];
      throw err;
    }
  },
  describe: (s) => `deploy stack ${s.spec.stack}${s.spec.template ? ` from ${s.spec.template}` : ''}`,
  async execute(ctx, step) {
    const spec = step.spec;
    let action = 'cloudformation:DescribeStacks';
    let executed: ChangeType | undefined;
    let executing: ChangeType | undefined;
    const cli: Cli = { flags: stepCliFlags(ctx) };
    try {
      const body = spec.template ? readTemplate(ctx.projectDir, spec.template) : undefined;
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
  },
};

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
