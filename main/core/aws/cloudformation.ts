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
import path from 'node:path';
import YAML from 'yaml';
import type {
  Capability,
  CloudFormationClient,
  DescribeChangeSetCommandOutput,
  Parameter,
  Stack,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import { readProjectText } from '../boundary/files';
import type { StepContext, StepKind, StepResult } from '../vocabulary';
import { durationMs, durationSchema } from '../units';
import { formatDurationCompact } from '../format';
import { AwsOutageRider } from './ride-out';
import { awsFailure, sleep, withClients } from './step-support';

/** The SDK loads on first use, not at start-up: `offload run` of plain steps never pays for it. */
const cfnSdk = (): typeof import('@aws-sdk/client-cloudformation') =>
  require('@aws-sdk/client-cloudformation');

/** CloudFormation takes at most this many bytes of template in the request; larger ones must be in S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** `cloudformation-deploy` spec. */
export interface CfnDeploySpec {
  stack: string;
  template?: string;
  'template-url'?: string;
  parameters?: Record<string, string | number | boolean>;
  capabilities?: string[];
  tags?: Record<string, string | number | boolean>;
  'role-arn'?: string;
  'recreate-on-rollback-complete'?: boolean;
  timeout?: string | number;
  interval?: string | number;
}

/** Stack states a deploy cannot start from; each needs a person (or `recreate-on-rollback-complete`). */
const STUCK = new Set([
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'DELETE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_FAILED',
]);
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
const inProgress = (status: string | undefined) => Boolean(status?.endsWith('_IN_PROGRESS'));

/** A step-kind failure that is not an AWS error (already plain); `awsFailure` is for the rest. */
class DeployProblem extends Error {}

interface Cli {
  /** ` --region r --profile p` as configured, for the commands we tell the user to run. */
  flags: string;
}

/** The exact next command for a stack stuck in `status`, with why. */
export function stuckAdvice(stack: string, status: string, cli: Cli, created: boolean): string {
  const name = `--stack-name ${stack}${cli.flags}`;
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return `the stack is UPDATE_ROLLBACK_FAILED: it cannot be updated until the rollback finishes. Next: \`aws cloudformation continue-update-rollback ${name}\` (add \`--resources-to-skip <LogicalId>\` for a resource that cannot be rolled back), then run again`;
    case 'ROLLBACK_COMPLETE':
      return `the stack is ROLLBACK_COMPLETE: its ${created ? 'creation' : 'first creation'} failed and was rolled back, and such a stack can only be deleted. Next: \`aws cloudformation delete-stack ${name}\`, then run again (or set \`recreate-on-rollback-complete: true\` on this step)`;
    case 'ROLLBACK_FAILED':
    case 'IMPORT_ROLLBACK_FAILED':
      return `the stack is ${status}: it can only be deleted. Next: \`aws cloudformation delete-stack ${name}\` (resources that cannot be deleted: \`--retain-resources <LogicalId>\`), then run again`;
    case 'DELETE_FAILED':
      return `the stack is DELETE_FAILED. Next: \`aws cloudformation delete-stack ${name} --retain-resources <LogicalId>\` for the resources that cannot be deleted, then run again`;
    default:
      return `the stack is ${status}`;
  }
}

const isStackEvent = (e: StackEvent, stack: string) =>
  e.ResourceType === 'AWS::CloudFormation::Stack' && e.LogicalResourceId === stack;

/** One event as a log line: `12:03:04 Queue AWS::SQS::Queue CREATE_FAILED — reason`. */
export function formatEvent(e: StackEvent): string {
  const t = e.Timestamp ? new Date(e.Timestamp).toISOString().slice(11, 19) : '--:--:--';
  return `${t} ${e.LogicalResourceId ?? '?'} ${e.ResourceType ?? ''} ${e.ResourceStatus ?? ''}${e.ResourceStatusReason ? ` — ${e.ResourceStatusReason}` : ''}`.replace(
    /\s+/g,
    ' ',
  );
}

/**
 * The first resource that failed, among a deploy's events (oldest first): cancellations of resources that
 * were in flight when something else failed, and the stack's own rollback lines, are consequences, not causes.
 */
export function firstFailure(events: StackEvent[], stack: string): StackEvent | undefined {
  const failed = events.filter((e) => e.ResourceStatus?.endsWith('_FAILED') && !isStackEvent(e, stack));
  return (
    failed.find((e) => !/cancell?ed/i.test(e.ResourceStatusReason ?? '')) ??
    failed[0] ??
    events.find((e) => isStackEvent(e, stack) && /ROLLBACK_IN_PROGRESS|_FAILED$/.test(e.ResourceStatus ?? ''))
  );
}

/** Resources that failed while the stack rolled back (what keeps it in UPDATE_ROLLBACK_FAILED). */
function rollbackFailures(events: StackEvent[], stack: string): StackEvent[] {
  const start = events.findIndex(
    (e) => isStackEvent(e, stack) && /ROLLBACK_IN_PROGRESS$/.test(e.ResourceStatus ?? ''),
  );
  if (start < 0) return [];
  return events
    .slice(start + 1)
    .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && !isStackEvent(e, stack));
}

const describeFailure = (e: StackEvent | undefined, stack: string) =>
  !e
    ? undefined
    : isStackEvent(e, stack)
      ? `${e.ResourceStatusReason ?? e.ResourceStatus}`
      : `${e.LogicalResourceId} (${e.ResourceType}) ${e.ResourceStatus}: ${e.ResourceStatusReason ?? 'no reason given'}`;

/**
 * Streams a stack's events into the log, oldest first and each once: only those newer than the newest event
 * seen before the deploy started (the marker), so earlier deploys never show up, and no clock is compared.
 */
export class StackEventStream {
  readonly events: StackEvent[] = [];
  private readonly seen = new Set<string>();
  private marker: string | undefined;

  constructor(
    private readonly cfn: CloudFormationClient,
    private stack: string,
    private readonly log: (line: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Remembers the newest event now (nothing older is ever shown). A stack that does not exist has none. */
  async prime(): Promise<void> {
    const res = await this.cfn.send(new (cfnSdk().DescribeStackEventsCommand)({ StackName: this.stack }), {
      abortSignal: this.signal,
    });
    this.marker = res.StackEvents?.[0]?.EventId;
  }

  /** Follows the stack by its id from now on (a name can point to a new stack after a delete). */
  follow(stackId: string): void {
    this.stack = stackId;
  }

  /** Reads the events since the last poll and logs them; returns the new ones, oldest first. */
  async poll(maxPages = 10): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    outer: do {
      const res = await this.cfn.send(
        new (cfnSdk().DescribeStackEventsCommand)({ StackName: this.stack, NextToken }),
        { abortSignal: this.signal },
      );
      for (const e of res.StackEvents ?? []) {
        const id = e.EventId ?? '';
        if (id === this.marker || this.seen.has(id)) break outer;
        fresh.push(e);
      }
      NextToken = res.NextToken;
      pages++;
    } while (NextToken && pages < maxPages);
    fresh.reverse();
    for (const e of fresh) {
      this.seen.add(e.EventId ?? '');
      this.events.push(e);
      this.log(formatEvent(e));
    }
    return fresh;
  }
}

/** The stack, or undefined when none of that name exists (CloudFormation answers ValidationError). */
async function describeStack(
  cfn: CloudFormationClient,
  name: string,
  signal?: AbortSignal,
): Promise<Stack | undefined> {
  try {
    const res = await cfn.send(new (cfnSdk().DescribeStacksCommand)({ StackName: name }), {
      abortSignal: signal,
    });
    const s = res.Stacks?.[0];
    return s && s.StackStatus !== 'DELETE_COMPLETE' ? s : undefined;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) return undefined;
    throw err;
  }
}

/** Parameter names a template declares (undefined when it cannot be read here: S3 URL, unusual YAML). */
export function templateParameters(body: string | undefined): Set<string> | undefined {
  if (body === undefined) return undefined;
  try {
    const trimmed = body.trimStart();
    // CloudFormation YAML uses short-form tags (!Ref, !Sub …) that a plain YAML reader does not know: read
    // them as whatever they tag; only the Parameters keys matter here.
    const doc: unknown = trimmed.startsWith('{')
      ? JSON.parse(body)
      : YAML.parse(body, {
          customTags: (tags) => [
            ...tags,
            ...['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'FindInMap', 'GetAZs', 'ImportValue']
              .concat(['Base64', 'Cidr', 'And', 'Equals', 'Not', 'Or', 'Condition', 'Transform'])
              .flatMap((n) =>
                (['scalar', 'seq', 'map'] as const).map((collection) => ({
                  tag: `!${n}`,
                  ...(collection === 'scalar' ? {} : { collection }),
                  resolve: (v: unknown) => v,
                })),
              ),
          ],
          logLevel: 'silent',
        });
    const params = (doc as { Parameters?: unknown } | null)?.Parameters;
    return new Set(params && typeof params === 'object' ? Object.keys(params) : []);
  } catch {
    return undefined;
  }
}

/** Reads the template file (relative to the project), refusing what CloudFormation would refuse. */
function readTemplate(projectDir: string, file: string): string {
  const full = path.resolve(projectDir, file);
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
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
  return readProjectText(full, { maxBytes: MAX_TEMPLATE_BODY_BYTES, what: 'template' });
}

/** What a deploy ended with. */
export interface CfnDeployOutcome {
  result: 'created' | 'updated' | 'no-changes';
  stackId: string;
  status: string;
  outputs: Record<string, string>;
  changes: number;
}

interface DeployOptions {
  spec: CfnDeploySpec;
  body?: string;
  changeSetName: string;
  timeoutMs: number;
  intervalMs: number;
  cli: Cli;
  signal: AbortSignal;
  log: (line: string, stream?: 'info' | 'stderr') => void;
  /** The IAM action in flight, for a plain error if a call fails. */
  onAction: (action: string) => void;
  /** Called once the change set is executing: from then on the stack changes in AWS whatever the step does. */
  onExecuted?: () => void;
  now?: () => number;
}

const stackOutputs = (s: Stack | undefined): Record<string, string> =>
  Object.fromEntries(
    (s?.Outputs ?? []).filter((o) => o.OutputKey).map((o) => [o.OutputKey!, o.OutputValue ?? '']),
  );

/** Creates or updates the stack through a change set; throws DeployProblem (plain) or the SDK's error. */
export async function deployStack(cfn: CloudFormationClient, o: DeployOptions): Promise<CfnDeployOutcome> {
  const { spec, signal } = o;
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const opt = { abortSignal: signal };
  /** Names the IAM action before each call, so a failure is explained with the right one. */
  const call = <T>(action: string, f: () => Promise<T>): Promise<T> => {
    o.onAction(`cloudformation:${action}`);
    return f();
  };
  const name = spec.stack;
  const events = new StackEventStream(cfn, name, (l) => o.log(l, 'info'), signal);
  // Polls (describe calls) wait out throttling and blips within the budget; changes are sent once.
  const rider = new AwsOutageRider({
    deadline,
    signal,
    log: (l) => o.log(l, 'stderr'),
    capMs: Math.max(o.intervalMs, 1000),
    now,
  });
  const ride = <T>(f: () => Promise<T>): Promise<T> => rider.call(f);

  o.onAction('cloudformation:DescribeStacks');
  let stack = await ride(() => describeStack(cfn, name, signal));
  if (stack) {
    o.onAction('cloudformation:DescribeStackEvents');
    await ride(() => events.prime());
  }
  // Another operation is under way (a cancelled run, a colleague): follow it to its end first.
  while (stack && inProgress(stack.StackStatus) && stack.StackStatus !== 'REVIEW_IN_PROGRESS') {
    if (now() + o.intervalMs > deadline) {
      throw new DeployProblem(
        `stack ${name} stayed ${stack.StackStatus} (another operation) for ${formatDurationCompact(o.timeoutMs)}; wait for it (\`aws cloudformation describe-stacks --stack-name ${name}${o.cli.flags}\`) and run again`,
      );
    }
    o.log(`stack ${name} is ${stack.StackStatus}: waiting for that operation to finish`, 'info');
    await sleep(o.intervalMs, signal);
    o.onAction('cloudformation:DescribeStackEvents');
    await ride(() => events.poll());
    o.onAction('cloudformation:DescribeStacks');
    stack = await ride(() => describeStack(cfn, name, signal));
  }
  if (stack && STUCK.has(stack.StackStatus ?? '')) {
    if (stack.StackStatus === 'ROLLBACK_COMPLETE' && spec['recreate-on-rollback-complete']) {
      o.log(`stack ${name} is ROLLBACK_COMPLETE: deleting it to create it again`, 'info');
      const id = stack.StackId ?? name;
      await call('DeleteStack', () => cfn.send(new (cfnSdk().DeleteStackCommand)({ StackName: id }), opt));
      events.follow(id);
      for (;;) {
        o.onAction('cloudformation:DescribeStackEvents');
        await ride(() => events.poll());
        o.onAction('cloudformation:DescribeStacks');
        const s = await ride(() => describeStack(cfn, id, signal));
        if (!s) {
          await ride(() => events.poll()); // the lines written between the last poll and the end
          break;
        }
        if (s.StackStatus === 'DELETE_FAILED') {
          const why = firstFailure(events.events, name);
          throw new DeployProblem(
            `could not delete ROLLBACK_COMPLETE stack ${name}${why ? `: ${describeFailure(why, name)}` : ''}. ${stuckAdvice(name, 'DELETE_FAILED', o.cli, false)}`,
          );
        }
        if (now() + o.intervalMs > deadline)
          throw new DeployProblem(
            `stack ${name} still ${s.StackStatus} after ${formatDurationCompact(o.timeoutMs)} of deleting it`,
          );
        await sleep(o.intervalMs, signal);
      }
      stack = undefined;
    } else {
      const reason = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
      throw new DeployProblem(
        `stack ${name}: ${stuckAdvice(name, stack.StackStatus!, o.cli, false)}${reason}`,
      );
    }
  }

  const type = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
  const given = Object.entries(spec.parameters ?? {}).map(([k, v]): Parameter => ({
    ParameterKey: k,
    ParameterValue: String(v),
  }));
  // As `aws cloudformation deploy`: parameters the stack has and the step does not set keep their values.
  const declared = templateParameters(o.body);
  const previous: Parameter[] =
    type === 'UPDATE' && declared
      ? (stack?.Parameters ?? [])
          .filter(
            (p) =>
              p.ParameterKey && declared.has(p.ParameterKey) && !(p.ParameterKey in (spec.parameters ?? {})),
          )
          .map((p) => ({ ParameterKey: p.ParameterKey, UsePreviousValue: true }))
      : [];
  o.log(
    `${type === 'CREATE' ? 'creating' : 'updating'} stack ${name}: change set ${o.changeSetName}`,
    'info',
  );
  const created = await call('CreateChangeSet', () =>
    cfn.send(
      new (cfnSdk().CreateChangeSetCommand)({
        StackName: name,
        ChangeSetName: o.changeSetName,
        ChangeSetType: type,
        ...(spec['template-url'] ? { TemplateURL: spec['template-url'] } : { TemplateBody: o.body }),
        Parameters: [...given, ...previous],
        ...(spec.capabilities?.length ? { Capabilities: spec.capabilities as Capability[] } : {}),
        ...(spec.tags
          ? { Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value: String(Value) })) }
          : {}),
        ...(spec['role-arn'] ? { RoleARN: spec['role-arn'] } : {}),
        Description: 'offload cloudformation-deploy',
      }),
      opt,
    ),
  ).catch((err: unknown) => {
    // Some implementations (moto) refuse an unchanged update at once instead of failing the change set.
    const e = err as { name?: string; message?: string };
    if (type === 'UPDATE' && e.name === 'ValidationError' && NO_CHANGES.test(e.message ?? ''))
      return { Id: undefined, StackId: undefined, noChanges: e.message };
    throw err;
  });
  if ('noChanges' in created) {
    o.log(`no changes: ${created.noChanges}`, 'info');
    return {
      result: 'no-changes',
      stackId: stack?.StackId ?? name,
      status: stack?.StackStatus ?? 'unknown',
      outputs: stackOutputs(stack),
      changes: 0,
    };
  }
  const changeSetId = created.Id ?? o.changeSetName;
  const stackId = created.StackId ?? stack?.StackId ?? name;
  events.follow(stackId);

  // Wait for the change set to be computed.
  let cs: DescribeChangeSetCommandOutput;
  for (;;) {
    cs = await ride(() =>
      call('DescribeChangeSet', () =>
        cfn.send(
          new (cfnSdk().DescribeChangeSetCommand)({ ChangeSetName: changeSetId, StackName: stackId }),
          opt,
        ),
      ),
    );
    const settled =
      cs.Status === 'FAILED' || (cs.Status === 'CREATE_COMPLETE' && cs.ExecutionStatus !== 'UNAVAILABLE');
    if (settled) break;
    if (now() + o.intervalMs > deadline)
      throw new DeployProblem(
        `change set ${o.changeSetName} still ${cs.Status} after ${formatDurationCompact(o.timeoutMs)}${cs.StatusReason ? `: ${cs.StatusReason}` : ''}`,
      );
    await sleep(Math.min(o.intervalMs, 2000), signal);
  }
  if (cs.Status === 'FAILED') {
    const reason = cs.StatusReason ?? 'no reason given';
    if (NO_CHANGES.test(reason)) {
      o.log(`no changes: ${reason}`, 'info');
      // An empty change set is clutter (stacks keep at most a few hundred); its deletion is best effort.
      await call('DeleteChangeSet', () =>
        cfn.send(
          new (cfnSdk().DeleteChangeSetCommand)({ ChangeSetName: changeSetId, StackName: stackId }),
          opt,
        ),
      ).catch(() => undefined);
      o.onAction('cloudformation:DescribeStacks');
      const s = stack ?? (await ride(() => describeStack(cfn, stackId, signal)));
      return {
        result: 'no-changes',
        stackId,
        status: s?.StackStatus ?? 'unknown',
        outputs: stackOutputs(s),
        changes: 0,
      };
    }
    throw new DeployProblem(`change set for stack ${name} failed: ${reason}`);
  }
  const changes = cs.Changes ?? [];
  for (const c of changes) {
    const r = c.ResourceChange;
    if (!r) continue;
    o.log(
      `  ${r.Action ?? '?'} ${r.LogicalResourceId ?? '?'} (${r.ResourceType ?? '?'})${r.Replacement === 'True' ? ' — replacement' : r.Replacement === 'Conditional' ? ' — may be replaced' : ''}`,
      'info',
    );
  }
  if (cs.NextToken) o.log('  … and more changes (see the change set in the console)', 'info');

  await call('ExecuteChangeSet', () =>
    cfn.send(new (cfnSdk().ExecuteChangeSetCommand)({ ChangeSetName: changeSetId, StackName: stackId }), opt),
  );
  o.onExecuted?.();
  o.log(`executing change set ${o.changeSetName}`, 'info');

  // Follow the stack until this operation settles. A settled status counts only once the operation is seen
  // to have started (its own IN_PROGRESS stack event), or the change set says its execution ended: an update's
  // target status can be the status the stack already had.
  let startedSeen = false;
  for (;;) {
    o.onAction('cloudformation:DescribeStackEvents');
    await ride(() => events.poll());
    startedSeen ||= events.events.some(
      (e) => isStackEvent(e, name) && e.ResourceStatus === `${type}_IN_PROGRESS`,
    );
    o.onAction('cloudformation:DescribeStacks');
    const s = await ride(() => describeStack(cfn, stackId, signal));
    const status = s?.StackStatus ?? 'DELETE_COMPLETE';
    let settled = !inProgress(status);
    if (settled && !startedSeen) {
      const ex = await ride(() =>
        call('DescribeChangeSet', () =>
          cfn.send(
            new (cfnSdk().DescribeChangeSetCommand)({ ChangeSetName: changeSetId, StackName: stackId }),
            opt,
          ),
        ),
      );
      settled = ex.ExecutionStatus === 'EXECUTE_COMPLETE' || ex.ExecutionStatus === 'EXECUTE_FAILED';
    }
    if (settled) {
      o.onAction('cloudformation:DescribeStackEvents');
      await ride(() => events.poll()); // the lines written between the last poll and the end
      if (SUCCESS.has(status)) {
        return {
          result: type === 'CREATE' ? 'created' : 'updated',
          stackId,
          status,
          outputs: stackOutputs(s),
          changes: changes.length,
        };
      }
      const first = firstFailure(events.events, name);
      const cause = describeFailure(first, name) ?? s?.StackStatusReason ?? 'no failed resource was reported';
      const stuck = rollbackFailures(events.events, name).filter((e) => e !== first);
      const lines = [`stack ${name} ${status}: first failure: ${cause}`];
      if (status === 'UPDATE_ROLLBACK_FAILED' && stuck.length > 0)
        lines.push(`could not roll back: ${stuck.map((e) => describeFailure(e, name)).join('; ')}`);
      if (STUCK.has(status)) lines.push(stuckAdvice(name, status, o.cli, type === 'CREATE'));
      throw new DeployProblem(lines.join('. '));
    }
    if (now() + o.intervalMs > deadline) {
      const first = firstFailure(events.events, name);
      const last = events.events[events.events.length - 1];
      throw new DeployProblem(
        `stack ${name} still ${status} after ${formatDurationCompact(o.timeoutMs)} (CloudFormation carries on)${last ? `; latest event: ${formatEvent(last)}` : ''}${first ? `; first failure so far: ${describeFailure(first, name)}` : ''}. Follow it: \`aws cloudformation describe-stack-events --stack-name ${name}${o.cli.flags}\``,
      );
    }
    await sleep(o.intervalMs, signal);
  }
}

/** `offload-<run id>-<attempt>`: unique per attempt, valid as a change set name ([a-zA-Z][-a-zA-Z0-9]*). */
export function changeSetName(runId: string, attempt: number): string {
  return `offload-${runId.replace(/[^A-Za-z0-9-]/g, '-')}-${attempt}`.slice(0, 128);
}

export const cloudformationDeployStep: StepKind<CfnDeploySpec> = {
  key: 'cloudformation-deploy',
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
  describe: (s) => `deploy stack ${s.spec.stack}${s.spec.template ? ` from ${s.spec.template}` : ''}`,
  async execute(ctx, step) {
    const spec = step.spec;
    let action = 'cloudformation:DescribeStacks';
    let executed = false;
    try {
      const body = spec.template ? readTemplate(ctx.projectDir, spec.template) : undefined;
      return await withClients(ctx, async (c) => {
        const cli: Cli = {
          flags: `${c.region ? ` --region ${c.region}` : ''}${c.profile ? ` --profile ${c.profile}` : ''}`,
        };
        const out = await deployStack(c.cloudformation, {
          spec,
          body,
          changeSetName: changeSetName(ctx.runId, ctx.attempt),
          timeoutMs: durationMs(spec.timeout, 3_600_000, 'timeout'),
          intervalMs: durationMs(spec.interval, 5000, 'interval'),
          cli,
          signal: ctx.signal,
          log: (l, stream) => ctx.log(l, stream ?? 'info'),
          onAction: (a) => (action = a),
          onExecuted: () => (executed = true),
        });
        return succeed(ctx, spec, out);
      });
    } catch (err) {
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
          ? `The change set was executed: the stack keeps updating in AWS. Follow it with \`aws cloudformation describe-stack-events --stack-name ${spec.stack}\`, or stop it with \`aws cloudformation cancel-update-stack --stack-name ${spec.stack}\`.`
          : undefined,
      );
    }
  },
};

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
  ctx.record('cloudformation-deploy', { stack: spec.stack, ...out });
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
