/**
 * CloudWatch notices (phase 6): alarm transitions and new error log lines, raised as notices that name the
 * deployment they happened after, journalled, and kept as the recent errors. Log lines are batched per log
 * group (one notice per group's window), so a crash loop raises one notice, not hundreds.
 */
import { afterDeployment, deploymentAt, type DeploymentIdentity } from '../deployments';
import type { ProjectJournal } from '../history/project-events';
import type { LogGroupConfig } from '../notify/config';
import type { Notifier } from '../notify/notifier';
import type { AwsAlarmState, CloudWatchError } from '../vocabulary';
import { AlarmTracker } from './alarms';
import type { LogErrorEvent } from './logs';

const MAX_RECENT_ERRORS = 50;
/** How many of a batch's events are kept (the first one is shown). */
const KEEP_PER_BATCH = 5;

export interface CloudWatchNoticesOptions {
  notifier: Notifier;
  journal?: ProjectJournal;
  logGroups: LogGroupConfig[];
  /** The recorded deployments, so each notice names the one live when it happened. */
  deployments?: () => readonly DeploymentIdentity[];
  /** The console link of a log group. */
  consoleUrl: (group: string) => string;
  now: () => number;
}

/** The console link of a log group in a region. */
export function logGroupConsoleUrl(region: string, group: string): string {
  const enc = encodeURIComponent(encodeURIComponent(group)).replace(/%/g, '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc}`;
}

/** Raises CloudWatch notices from what the observer saw. */
export class CloudWatchNotices {
  private readonly tracker = new AlarmTracker();
  private readonly pending = new Map<string, { events: LogErrorEvent[]; total: number }>();
  private readonly lastNotice = new Map<string, number>();
  private readonly recent: CloudWatchError[] = [];

  constructor(private readonly o: CloudWatchNoticesOptions) {}

  /** "after deploy of …" for something seen at `at`: the deployment live then, not the newest. */
  private after(at: number): string | undefined {
    const all = this.o.deployments?.() ?? [];
    return afterDeployment(deploymentAt(all, at), at, all);
  }

  /** The recent error batches (newest last, at most 50). */
  recentErrors(): CloudWatchError[] {
    return [...this.recent];
  }

  /** Alarms as described now: each one going to ALARM or back raises a notice and a journal entry. */
  alarmsObserved(alarms: AwsAlarmState[]): void {
    const { notifier, now } = this.o;
    for (const t of this.tracker.update(alarms)) {
      const a = t.alarm;
      const after = this.after(now());
      notifier.notify({
        level: t.kind === 'alarm' ? 'error' : 'info',
        title: t.kind === 'alarm' ? `CloudWatch alarm: ${a.name}` : `Resolved: ${a.name}`,
        body:
          t.kind === 'alarm'
            ? `${a.metric ? `${a.metric} — ` : ''}${a.reason ?? 'in ALARM'}${after ? ` (${after})` : ''}`
            : `back to ${a.state}${a.reason ? ` — ${a.reason}` : ''}`,
        target: { view: 'aws', item: a.name },
        source: 'cloudwatch-alarm',
      });
      this.o.journal?.appendProjectEvent('cloudwatch-alarm', {
        name: a.name,
        transition: t.kind,
        state: a.state,
        metric: a.metric,
        reason: a.reason,
      });
    }
  }

  /** New error lines per log group: batched, then raised for each group whose window has passed. */
  logErrorsObserved(byGroup: ReadonlyMap<string, readonly LogErrorEvent[]>): void {
    for (const [group, events] of byGroup) {
      if (!events.length) continue;
      const p = this.pending.get(group) ?? { events: [], total: 0 };
      p.events.push(...events.slice(0, KEEP_PER_BATCH - Math.min(KEEP_PER_BATCH, p.events.length)));
      p.total += events.length;
      this.pending.set(group, p);
    }
    this.flush(false);
  }

  /** Raises the batched errors; `force` ignores each group's window (the watch is stopping). */
  flush(force: boolean): void {
    const { notifier, now } = this.o;
    for (const g of this.o.logGroups) {
      const p = this.pending.get(g.name);
      if (!p || p.total === 0) continue;
      const last = this.lastNotice.get(g.name);
      if (!force && last !== undefined && now() - last < g.windowMs) continue;
      const first = p.events[0]!;
      const firstLine = first.message.split('\n')[0]!.trim().slice(0, 200);
      const after = this.after(first.timestamp);
      const consoleUrl = this.o.consoleUrl(g.name);
      notifier.notify({
        level: 'error',
        title: p.total === 1 ? `New error in ${g.name}` : `${p.total} new errors in ${g.name}`,
        body: `${p.total} new error${p.total === 1 ? '' : 's'} in ${g.name}${first.stream ? ` (stream ${first.stream})` : ''}${after ? `, ${after}` : ''} — first: ${firstLine}`,
        target: { view: 'errors', item: g.name },
        source: 'cloudwatch-logs',
      });
      this.recent.push({
        logGroup: g.name,
        at: new Date(first.timestamp).toISOString(),
        message: firstLine,
        count: p.total,
        consoleUrl,
        ...(first.stream ? { logStream: first.stream } : {}),
        ...(after ? { deployment: after } : {}),
      });
      this.recent.splice(0, Math.max(0, this.recent.length - MAX_RECENT_ERRORS));
      this.o.journal?.appendProjectEvent('cloudwatch-errors', {
        logGroup: g.name,
        count: p.total,
        first: { at: first.timestamp, eventId: first.eventId, message: firstLine, stream: first.stream },
        ...(after ? { deployment: after } : {}),
        consoleUrl,
      });
      this.lastNotice.set(g.name, now());
      this.pending.delete(g.name);
    }
  }
}
