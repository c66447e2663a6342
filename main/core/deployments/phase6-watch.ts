/**
 * Phase 6 for an open project: the deployments recorded, the signals (journal and live notices routed by
 * source), the status from the pure phase6Status, and one re-render when the quiet period ends.
 */
import type { HistoryStore } from '../history';
import type { Notice, Phase6State } from '../vocabulary';
import { RunOnceScheduler, type Timers } from '../units/poller';
import {
  phase6Status,
  readDeployments,
  type CloudWatchSight,
  type DeploymentIdentity,
  type Phase6Signal,
} from './index';
import { journalSignals, noticeSignal } from './signals';
import { ackRefusal, readPhase6Ack, writePhase6Ack, type Phase6AckBy } from './ack';

export interface Phase6WatchOptions {
  history: Pick<HistoryStore, 'readState' | 'readJournal' | 'writeState' | 'appendProjectEvent'>;
  /** notify.quiet-period. */
  quietMs: number;
  now: () => number;
  /** What the CloudWatch watch sees now (configured at all, and the cause while it fails). */
  cloudwatch: () => CloudWatchSight;
  /** Called when the quiet period ends (a re-render); absent: nothing is scheduled (one-shot commands). */
  onQuietEnd?: () => void;
  timers?: Timers;
  /** The team's latest deployment of this environment (a teammate's counts where it is newer). */
  teamDeployment?: () => DeploymentIdentity | undefined;
}

/** Deployments and signals of one project, and what phase 6 says about them now. */
export class Phase6Watch {
  private deployments: DeploymentIdentity[];
  private readonly signals: Phase6Signal[];
  private readonly quietEnd: RunOnceScheduler | undefined;

  constructor(private readonly o: Phase6WatchOptions) {
    this.deployments = readDeployments(o.history);
    this.signals = journalSignals(o.history.readJournal(500));
    this.quietEnd = o.onQuietEnd ? new RunOnceScheduler(o.onQuietEnd, o.timers) : undefined;
  }

  /** The latest deployment (CloudWatch notices and the error context name it). */
  latest(): DeploymentIdentity | undefined {
    const mine = this.deployments.at(-1);
    const team = this.o.teamDeployment?.();
    if (!team || this.deployments.some((d) => d.runId === team.runId)) return mine;
    return mine && Date.parse(mine.at) >= Date.parse(team.at) ? mine : team;
  }

  /** Every recorded deployment, read afresh (a deployment by another process counts too), oldest first. */
  all(): readonly DeploymentIdentity[] {
    this.deployments = readDeployments(this.o.history);
    return this.deployments;
  }

  /** A run ended: a deployment is recorded once its phase passed. */
  reloadDeployments(): void {
    this.deployments = readDeployments(this.o.history);
  }

  /** A live notice: a CloudWatch error or alarm counts against the deployment. */
  noticed(n: Notice): boolean {
    const s = noticeSignal(n);
    if (s) this.signals.push(s);
    return Boolean(s);
  }

  /** Phase 6 now; while watching, one re-render is scheduled for the end of the quiet period. */
  status(): Phase6State {
    const now = this.o.now();
    const p = phase6Status(this.latest(), this.signals, {
      now,
      quietMs: this.o.quietMs,
      cloudwatch: this.o.cloudwatch(),
      // Read each time: an acknowledgement from another process (`offload errors --ack`) counts here too.
      ack: readPhase6Ack(this.o.history),
    });
    // No test waits 15 minutes: they move the clock. One timer per quiet period, not one per snapshot.
    if (p.status === 'watching' && p.quietUntil)
      this.quietEnd?.schedule(Math.max(1000, Date.parse(p.quietUntil) - now), p.quietUntil);
    return p;
  }

  /**
   * The user's word that the cause is resolved: the quiet period restarts now, recorded for every process
   * and in the journal. Throws with the reason where there is nothing to acknowledge or an alarm still fires.
   */
  acknowledge(by: Phase6AckBy, firingAlarms: readonly string[]): Phase6State {
    const p = this.status();
    const refused = ackRefusal(p, firingAlarms);
    const latest = this.latest();
    if (refused || !latest) throw new Error(refused ?? 'nothing is deployed yet');
    writePhase6Ack(this.o.history, { runId: latest.runId, at: new Date(this.o.now()).toISOString() });
    this.o.history.appendProjectEvent('phase6-ack', {
      runId: latest.runId,
      deployment: p.deployment?.summary ?? latest.runId,
      by,
      ...(p.firstError ? { firstError: p.firstError.message } : {}),
    });
    return this.status();
  }

  dispose(): void {
    this.quietEnd?.dispose();
  }
}
