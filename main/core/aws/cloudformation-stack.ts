/**
 * The deploy behind `cloudformation-deploy`, in phases: follow an operation already under way, leave a stuck
 * state (recreating a ROLLBACK_COMPLETE stack on request), create the change set and wait for it, then
 * execute it and follow the stack until the operation settles.
 */
import type {
  Capability,
  CloudFormationClient,
  DescribeChangeSetCommandOutput,
  Parameter,
  Stack,
} from '@aws-sdk/client-cloudformation';
import { formatDurationCompact } from '../format';
import { AwsOutageRider } from './ride-out';
import { templateParameters } from './cloudformation-template';

export { templateParameters } from './cloudformation-template';
import { sleep } from './step-support';
import {
  StackEventStream,
  cfnSdk,
  describeFailure,
  describeStack,
  firstFailure,
  formatEvent,
  isStackEvent,
  lastOperationFailure,
  rollbackFailures,
} from './cloudformation-events';

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
export class DeployProblem extends Error {}

/** How the AWS CLI is called here, for the commands a failure tells the user to run. */
export interface Cli {
  /** ` --region r --profile p` as configured, for the commands we tell the user to run. */
  flags: string;
}

/** The exact next command for a stack stuck in `status`, with why (`recreates`: the step already deletes and recreates a ROLLBACK_COMPLETE stack). */
export function stuckAdvice(
  stack: string,
  status: string,
  cli: Cli,
  created: boolean,
  recreates = false,
): string {
  const name = `--stack-name ${stack}${cli.flags}`;
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return `the stack is UPDATE_ROLLBACK_FAILED: it cannot be updated until the rollback finishes. Next: \`aws cloudformation continue-update-rollback ${name}\` (add \`--resources-to-skip <LogicalId>\` for a resource that cannot be rolled back), then run again`;
    case 'ROLLBACK_COMPLETE':
      return `the stack is ROLLBACK_COMPLETE: its ${created ? 'creation' : 'first creation'} failed and was rolled back, and such a stack can only be deleted. Next: \`aws cloudformation delete-stack ${name}\`, then run again${recreates ? ' (this step recreates it: the next run deletes it first)' : ' (or set `recreate-on-rollback-complete: true` on this step)'}`;
    case 'ROLLBACK_FAILED':
    case 'IMPORT_ROLLBACK_FAILED':
      return `the stack is ${status}: it can only be deleted. Next: \`aws cloudformation delete-stack ${name}\` (resources that cannot be deleted: \`--retain-resources <LogicalId>\`), then run again`;
    case 'DELETE_FAILED':
      return `the stack is DELETE_FAILED. Next: \`aws cloudformation delete-stack ${name} --retain-resources <LogicalId>\` for the resources that cannot be deleted, then run again`;
    default:
      return `the stack is ${status}`;
  }
}

/** What a deploy ended with. */
export interface CfnDeployOutcome {
  result: 'created' | 'updated' | 'no-changes';
  stackId: string;
  status: string;
  outputs: Record<string, string>;
  changes: number;
}

/** What one deploy needs from its step. */
export interface DeployOptions {
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
  onExecuted?: (type: ChangeType) => void;
  /** Called just before ExecuteChangeSet is sent: a cancel from then on may leave the stack changing in AWS. */
  onExecuting?: (type: ChangeType) => void;
  now?: () => number;
}

const stackOutputs = (s: Stack | undefined): Record<string, string> =>
  Object.fromEntries(
    (s?.Outputs ?? []).filter((o) => o.OutputKey).map((o) => [o.OutputKey!, o.OutputValue ?? '']),
  );

/** What every phase of one deploy shares: the options, the event stream, the deadline and the call wrappers. */
interface DeployRun {
  cfn: CloudFormationClient;
  o: DeployOptions;
  name: string;
  events: StackEventStream;
  now: () => number;
  deadline: number;
  opt: { abortSignal: AbortSignal };
  /** Names the IAM action before each call, so a failure is explained with the right one. */
  call: <T>(action: string, f: () => Promise<T>) => Promise<T>;
  /** Polls (describe calls) wait out throttling and blips within the budget; changes are sent once. */
  ride: <T>(f: () => Promise<T>) => Promise<T>;
}

/** Whether the change set creates the stack or updates it. */
export type ChangeType = 'CREATE' | 'UPDATE';

/** The change set this deploy created, by the ids CloudFormation gave it. */
interface ChangeSetIds {
  changeSetId: string;
  stackId: string;
}

/** Creates or updates the stack through a change set; throws DeployProblem (plain) or the SDK's error. */
export async function deployStack(cfn: CloudFormationClient, o: DeployOptions): Promise<CfnDeployOutcome> {
  const { signal } = o;
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const name = o.spec.stack;
  const rider = new AwsOutageRider({
    deadline,
    signal,
    log: (l) => o.log(l, 'stderr'),
    capMs: Math.max(o.intervalMs, 1000),
    now,
  });
  const r: DeployRun = {
    cfn,
    o,
    name,
    events: new StackEventStream(cfn, name, (l) => o.log(l, 'info'), signal),
    now,
    deadline,
    opt: { abortSignal: signal },
    call: (action, f) => {
      o.onAction(`cloudformation:${action}`);
      return f();
    },
    ride: (f) => rider.call(f),
  };

  let stack = await followOperationUnderWay(r);
  if (stack && STUCK.has(stack.StackStatus ?? '')) stack = await leaveStuckState(r, stack);
  const type: ChangeType = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
  const created = await createChangeSet(r, stack, type);
  if ('result' in created) return created;
  const ready = await awaitChangeSet(r, stack, created);
  if ('result' in ready) return ready;
  return executeAndFollow(r, type, created, ready.changes);
}

/** Reads the stack; another operation under way (a cancelled run, a colleague) is followed to its end first. */
async function followOperationUnderWay(r: DeployRun): Promise<Stack | undefined> {
  const { cfn, o, name, events, ride } = r;
  const signal = o.signal;
  o.onAction('cloudformation:DescribeStacks');
  let stack = await ride(() => describeStack(cfn, name, signal));
  if (stack) {
    o.onAction('cloudformation:DescribeStackEvents');
    await ride(() => events.prime());
  }
  while (stack && inProgress(stack.StackStatus) && stack.StackStatus !== 'REVIEW_IN_PROGRESS') {
    if (r.now() + o.intervalMs > r.deadline) {
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
  return stack;
}

/** A stuck stack: recreated when it is ROLLBACK_COMPLETE and the step allows it (then none is left), else the next command. */
async function leaveStuckState(r: DeployRun, stack: Stack): Promise<undefined> {
  const { o, name } = r;
  // What failed last time, by resource and cause (the status alone says only that something did).
  o.onAction('cloudformation:DescribeStackEvents');
  const last = await r
    .ride(() => lastOperationFailure(r.cfn, { id: stack.StackId ?? name, name }, o.signal))
    .catch(() => undefined);
  const cause = describeFailure(last, name);
  if (stack.StackStatus === 'ROLLBACK_COMPLETE' && o.spec['recreate-on-rollback-complete']) {
    if (cause) o.log(`stack ${name} failed last time: ${cause}`, 'info');
    await deleteRolledBackStack(r, stack);
    return undefined;
  }
  const advice = stuckAdvice(name, stack.StackStatus!, o.cli, false);
  throw new DeployProblem(
    cause
      ? `stack ${name}: its last operation failed on ${cause}. ${advice}`
      : `stack ${name}: ${advice}${stack.StackStatusReason ? ` (${stack.StackStatusReason})` : ''}`,
  );
}

/** Deletes a ROLLBACK_COMPLETE stack and follows the deletion to its end, so it can be created again. */
async function deleteRolledBackStack(r: DeployRun, stack: Stack): Promise<void> {
  const { cfn, o, name, events, ride, call, opt } = r;
  const signal = o.signal;
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
    if (r.now() + o.intervalMs > r.deadline)
      throw new DeployProblem(
        `stack ${name} still ${s.StackStatus} after ${formatDurationCompact(o.timeoutMs)} of deleting it`,
      );
    await sleep(o.intervalMs, signal);
  }
}

/** Creates the change set; an implementation that refuses an unchanged update at once ends the deploy here. */
async function createChangeSet(
  r: DeployRun,
  stack: Stack | undefined,
  type: ChangeType,
): Promise<CfnDeployOutcome | ChangeSetIds> {
  const { cfn, o, name, call, opt } = r;
  const spec = o.spec;
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
        ...(spec.tags ? { Tags: stackTags(spec.tags, type === 'UPDATE' ? stack?.Tags : undefined) } : {}),
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
  const ids = {
    changeSetId: created.Id ?? o.changeSetName,
    stackId: created.StackId ?? stack?.StackId ?? name,
  };
  r.events.follow(ids.stackId);
  return ids;
}

/** Waits for the change set to be computed and logs its changes; an empty one is "no changes" and ends the deploy. */
async function awaitChangeSet(
  r: DeployRun,
  stack: Stack | undefined,
  { changeSetId, stackId }: ChangeSetIds,
): Promise<CfnDeployOutcome | { changes: number }> {
  const { cfn, o, name, ride, call, opt } = r;
  const signal = o.signal;
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
    if (r.now() + o.intervalMs > r.deadline)
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
    const rc = c.ResourceChange;
    if (!rc) continue;
    o.log(
      `  ${rc.Action ?? '?'} ${rc.LogicalResourceId ?? '?'} (${rc.ResourceType ?? '?'})${rc.Replacement === 'True' ? ' — replacement' : rc.Replacement === 'Conditional' ? ' — may be replaced' : ''}`,
      'info',
    );
  }
  if (cs.NextToken) o.log('  … and more changes (see the change set in the console)', 'info');
  return { changes: changes.length };
}

/** Executes the change set and follows the stack until this operation settles: the outcome, or the first failure. */
async function executeAndFollow(
  r: DeployRun,
  type: ChangeType,
  { changeSetId, stackId }: ChangeSetIds,
  changes: number,
): Promise<CfnDeployOutcome> {
  const { cfn, o, name, events, ride, call, opt } = r;
  const signal = o.signal;
  o.onExecuting?.(type);
  await call('ExecuteChangeSet', () =>
    cfn.send(new (cfnSdk().ExecuteChangeSetCommand)({ ChangeSetName: changeSetId, StackName: stackId }), opt),
  );
  o.onExecuted?.(type);
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
          changes,
        };
      }
      const first = firstFailure(events.events, name);
      const cause = describeFailure(first, name) ?? s?.StackStatusReason ?? 'no failed resource was reported';
      const stuck = rollbackFailures(events.events, name).filter((e) => e !== first);
      const lines = [`stack ${name} ${status}: first failure: ${cause}`];
      if (status === 'UPDATE_ROLLBACK_FAILED' && stuck.length > 0)
        lines.push(`could not roll back: ${stuck.map((e) => describeFailure(e, name)).join('; ')}`);
      if (STUCK.has(status))
        lines.push(
          stuckAdvice(
            name,
            status,
            o.cli,
            type === 'CREATE',
            o.spec['recreate-on-rollback-complete'] === true,
          ),
        );
      throw new DeployProblem(lines.join('. '));
    }
    if (r.now() + o.intervalMs > r.deadline) {
      const first = firstFailure(events.events, name);
      const last = events.events[events.events.length - 1];
      throw new DeployProblem(
        `stack ${name} still ${status} after ${formatDurationCompact(o.timeoutMs)} (CloudFormation carries on)${last ? `; latest event: ${formatEvent(last)}` : ''}${first ? `; first failure so far: ${describeFailure(first, name)}` : ''}. Follow it: \`aws cloudformation describe-stack-events --stack-name ${name}${o.cli.flags}\``,
      );
    }
    await sleep(o.intervalMs, signal);
  }
}

/**
 * The Tags of a change set: the step's, over the stack's current ones on an update. CloudFormation replaces a
 * stack's whole tag set with the one it is given, so a tag set elsewhere (console, another tool) is passed on
 * unchanged: Offload never removes a tag.
 */
export function stackTags(
  given: Readonly<Record<string, unknown>>,
  current: readonly { Key?: string; Value?: string }[] | undefined,
): { Key: string; Value: string }[] {
  const out = new Map<string, string>();
  for (const t of current ?? []) if (t.Key !== undefined && t.Value !== undefined) out.set(t.Key, t.Value);
  for (const [k, v] of Object.entries(given)) out.set(k, String(v));
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}
