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
import type { StepKind } from '../../vocabulary';
import { durationSchema } from '../../units';
import { parseTemplate, TemplateSyntaxError } from '../cloudformation-template';
import type { CfnDeploySpec } from '../cloudformation-stack';

export type { CfnDeploySpec } from '../cloudformation-stack';

/** CloudFormation takes at most this many bytes of template in the request; larger ones must be in S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * Reads the template file (relative to the project): its text, or why it is refused (what CloudFormation would
 * refuse, or a file outside the project). At validate a template not there yet is left to the run (an earlier
 * step may build it): `missing: 'later'` returns neither.
 */
export function readTemplate(
  projectDir: string,
  file: string,
  missing: 'refuse' | 'later' = 'refuse',
): { body?: string; problem?: string } {
  // Inside the project (or its git work tree) as validate checks, again now: an earlier step built it, or a
  // link changed since. The resolved file is the one read, never the link.
  const place = resolveProjectPath(projectDir, file, { what: 'deploys templates', gitRoot: true });
  if (place.outside) return { problem: `template ${place.outside}; nothing was sent to AWS` };
  const full = place.target;
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    if (missing === 'later') return {};
    return {
      problem: `template ${file} not found (looked for ${full}); build it first (e.g. \`cdk synth\`, \`sam package\`) in an earlier step`,
    };
  }
  if (!st.isFile()) return { problem: `template ${file} is not a file` };
  if (st.size > MAX_TEMPLATE_BODY_BYTES) {
    return {
      problem: `template ${file} is ${st.size.toLocaleString('en-US')} bytes; CloudFormation takes at most 51,200 bytes inline. Upload it to S3 (\`aws cloudformation package --s3-bucket …\`, \`sam package\` or \`cdk deploy\` do) and give its https:// URL as \`template-url\``,
    };
  }
  // Regular file only, opened without blocking; the size was checked above (a swap since is caught too).
  const body = readProjectText(full, { maxBytes: MAX_TEMPLATE_BODY_BYTES, what: 'template' });
  try {
    parseTemplate(body);
  } catch (err) {
    if (err instanceof TemplateSyntaxError)
      return { problem: `template ${file}:${err.message} (nothing was sent to AWS)` };
    throw err;
  }
  return { body };
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
    const problem = spec.template ? readTemplate(config.dir, spec.template, 'later').problem : undefined;
    return problem ? [problem] : [];
  },
  describe: (s) => `deploy stack ${s.spec.stack}${s.spec.template ? ` from ${s.spec.template}` : ''}`,
  // The change set, the stack's events and the outputs load only when such a step runs, with every AWS step
  // kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeCloudformationDeploy(ctx, step),
};
