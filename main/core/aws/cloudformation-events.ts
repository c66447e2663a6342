/**
 * Stack events for `cloudformation-deploy`: streamed into the step log as they happen (each once, oldest
 * first), and read back to name the FIRST resource that failed rather than the last rollback line.
 */
import type { CloudFormationClient, Stack, StackEvent } from '@aws-sdk/client-cloudformation';

/** The SDK loads on first use, not at start-up: `offload run` of plain steps never pays for it. */
export const cfnSdk = (): typeof import('@aws-sdk/client-cloudformation') =>
  require('@aws-sdk/client-cloudformation');

/** Whether `e` is a line about the stack itself (not one of its resources). */
export const isStackEvent = (e: StackEvent, stack: string) =>
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
export function rollbackFailures(events: StackEvent[], stack: string): StackEvent[] {
  const start = events.findIndex(
    (e) => isStackEvent(e, stack) && /ROLLBACK_IN_PROGRESS$/.test(e.ResourceStatus ?? ''),
  );
  if (start < 0) return [];
  return events
    .slice(start + 1)
    .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && !isStackEvent(e, stack));
}

/** A failure event as a sentence: the resource, its type and status, and why. */
export const describeFailure = (e: StackEvent | undefined, stack: string) =>
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

/**
 * The first failure of the stack's last operation, from its event history (newest first, a few pages): what
 * a stack found ROLLBACK_COMPLETE or UPDATE_ROLLBACK_FAILED at the start of a deploy failed on last time.
 */
export async function lastOperationFailure(
  cfn: CloudFormationClient,
  stack: { id: string; name: string },
  signal?: AbortSignal,
  maxPages = 3,
): Promise<StackEvent | undefined> {
  const newestFirst: StackEvent[] = [];
  const began = (e: StackEvent) =>
    isStackEvent(e, stack.name) && /^(CREATE|UPDATE|IMPORT)_IN_PROGRESS$/.test(e.ResourceStatus ?? '');
  let NextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await cfn.send(
      new (cfnSdk().DescribeStackEventsCommand)({ StackName: stack.id, NextToken }),
      { abortSignal: signal },
    );
    newestFirst.push(...(res.StackEvents ?? []));
    const start = newestFirst.findIndex(began);
    if (start >= 0) return firstFailure(newestFirst.slice(0, start + 1).reverse(), stack.name);
    NextToken = res.NextToken;
    if (!NextToken) break;
  }
  return firstFailure([...newestFirst].reverse(), stack.name);
}

/** The stack, or undefined when none of that name exists (CloudFormation answers ValidationError). */
export async function describeStack(
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
