/**
 * The AWS watch, composed: the observer asks AWS and the endpoints, the gate counts passes and judges
 * (assessAwsReady), CloudWatch notices raise alarm transitions and new error lines, and the live-gate
 * publisher shares the state with other processes. It acts on nothing itself: gate polls go to its
 * listeners, where the core wires the rule. One poller runs a round per interval (default 60 s), longer
 * while AWS throttles or cannot be reached (watch-backoff.ts).
 */
import type { OffloadConfig } from '../config/types';
import type { Notifier } from '../notify/notifier';
import { projectEffects, type ProjectEffects } from '../boundary';
import type { DeploymentIdentity } from '../deployments';
import type { GatePoll } from '../rule/aws-ready';
import type { EventJournal } from '../rule/enforcer';
import { projectStateDir } from '../platform/project-state-dir';
import { Poller, UNREF_TIMERS, type Timers } from '../units/poller';
import type { AwsSnapshot } from '../vocabulary';
import type { AwsClients } from './clients';
import type { AwsErrorKind } from './errors';
import { CloudWatchNotices, logGroupConsoleUrl } from './cloudwatch-notices';
import { AwsGate, initialGate, staleAfterMs, staleAsUnknown } from './gate';
import { LiveGatePublisher } from './live-gate';
import { AwsObserver, type AwsObservation } from './observer';
import { WatchBackoff } from './watch-backoff';
import { gateCrossing, roundSnapshot, watchPlan, type WatchPlan } from './watch-plan';

/** Timer functions (injected by tests that control time). */
export type WatchTimers = Timers;

export interface AwsWatchOptions {
  config: OffloadConfig;
  clients?: AwsClients;
  notifier: Notifier;
  journal?: EventJournal;
  /**
   * One-shot: report what one round proves (an endpoint needs one pass, not `consecutive-passes`), publish
   * nothing. The continuous watch (tray, `offload watch`) leaves it off.
   */
  oneShot?: boolean;
  /** The recorded deployments, so each CloudWatch notice names the one live when it happened. */
  deployments?: () => readonly DeploymentIdentity[];
  /** Which config the dev tools point at now (the config switch's view), for the snapshot. */
  configTarget?: () => AwsSnapshot['configTarget'];
  env?: NodeJS.ProcessEnv;
  /**
   * The project's effects under its trust (endpoint checks, AWS clients); absent: the untrusted set. An
   * endpoint URL may use `${{ env.X }}`/`${{ project.name }}`; an unresolvable or refused one fails the check.
   */
  effects?: ProjectEffects;
  /** Offload's data folder (cursors, backups and switch state go under projects/<project>/aws). */
  dataDir?: string;
  now?: () => number;
  timers?: WatchTimers;
  /** The back-off's jitter (tests fix it). */
  random?: () => number;
  log?: (line: string) => void;
}

/** The watch the core runs (tray, window, `offload watch`) or asks once (`offload aws status`). */
export interface AwsWatch {
  start(): void;
  stop(): void;
  setPaused(paused: boolean): void;
  snapshot(): AwsSnapshot;
  subscribe(listener: () => void): () => void;
  /** After every poll (the rule acts on changes, and on models while ready); awaited before the poll ends. */
  onGatePoll(listener: (poll: GatePoll) => Promise<void> | void): () => void;
  /** One full poll: gate, alarms, logs; then the gate listeners. Concurrent calls share one poll. */
  pollOnce(): Promise<void>;
}

/** Builds the AWS watch for a project. Nothing polls until start() (or pollOnce()). */
export function createAwsWatch(opts: AwsWatchOptions): AwsWatch {
  const { config } = opts;
  const configTarget = opts.configTarget ?? (() => 'unknown' as const);
  // offload.yml's `env:` applies here as it does to steps (e.g. the AWS URL the endpoints and the switch use).
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...config.env };
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const stateDir = projectStateDir(config, opts.dataDir, env);
  const plan = watchPlan(config, !!opts.oneShot);
  const { requiredPasses, gateOn, needsAws, intervalMs } = plan;
  const { observer, gate, notices, live } = watchParts(opts, { env, stateDir, plan, now, log });
  const listeners = new Set<() => void>();
  const gateListeners = new Set<(poll: GatePoll) => Promise<void> | void>();
  let snap: AwsSnapshot = {
    ...initialGate(config.gate, requiredPasses),
    alarms: [],
    recentErrors: [],
    configTarget: configTarget(),
  };

  const emit = () => callEach(listeners);

  /** One round: observe, raise CloudWatch notices, judge the gate, tell the rule, publish. */
  const round = async () => {
    const { seen, logProblem, logFailure } = await observeRound(
      observer,
      notices,
      !opts.oneShot && config.notify.logGroups.length > 0,
    );
    const seenAt = now();
    const judged = gate.judge(seen, seenAt);
    snap = roundSnapshot(seen, judged, {
      seenAt,
      recentErrors: notices.recentErrors(),
      ...(logProblem !== undefined ? { logProblem } : {}),
      configTarget: configTarget(),
    });
    if (logProblem) log(`offload: ${logProblem}`);
    const pace = backoff.round(
      [seen.services.failure, seen.alarms.failure, logFailure],
      judged.poll.to === 'ready',
    );
    // A longer pause is planned, not a hung poll: what is not ready may age that much more before it is stale.
    maxAgeMs = staleAfterMs(intervalMs) + (pace.delayMs - intervalMs);
    if (pace.began && !opts.oneShot)
      log(
        `offload: AWS keeps failing (${snap.reason}); polling less often until it answers (next in ${Math.round(pace.delayMs / 1000)} s)`,
      );
    if (pace.ended && !opts.oneShot)
      log(`offload: AWS answers again; polling every ${Math.round(intervalMs / 1000)} s`);
    const crossing = gateCrossing(judged, !!opts.oneShot);
    if (crossing) opts.journal?.appendProjectEvent('aws-gate', crossing);
    await tellGateListeners(gateListeners, judged.poll, log);
    snap = { ...snap, configTarget: configTarget() };
    if (!opts.oneShot && poller.started) live.publish(snap, pace.delayMs);
    armStaleTimer();
    emit();
  };

  const backoff = new WatchBackoff(intervalMs, opts.random);
  const poller = new Poller(round, {
    intervalMs,
    delayMs: () => backoff.delayMs,
    timers: opts.timers ?? UNREF_TIMERS,
    onError: (err) => log(`offload: AWS watch poll failed: ${(err as Error).message}`),
  });
  // A hung poll turns the snapshot unknown after about two intervals; a timer tells the subscribers then.
  let maxAgeMs = staleAfterMs(intervalMs);
  const timers = opts.timers ?? UNREF_TIMERS;
  let startedAt: number | undefined;
  let staleTimer: unknown;
  const armStaleTimer = () => {
    if (staleTimer !== undefined) timers.clearTimeout(staleTimer);
    staleTimer = poller.started ? timers.setTimeout(emit, maxAgeMs + 1) : undefined;
  };
  const current = (): AwsSnapshot =>
    poller.started ? staleAsUnknown(snap, { now: now(), maxAgeMs, startedAt }) : snap;

  const pollOnce = (): Promise<void> => (gateOn || needsAws ? poller.runNow() : Promise.resolve());

  return {
    start() {
      if (!(gateOn || needsAws) || poller.started) return;
      startedAt = now();
      poller.start();
      armStaleTimer();
    },
    stop() {
      const wasRunning = poller.started;
      poller.stop();
      armStaleTimer();
      notices.flush(true);
      if (wasRunning && !opts.oneShot) live.remove();
      observer.close();
    },
    setPaused: (p: boolean) => poller.setPaused(p),
    snapshot: () => ({ ...current(), recentErrors: notices.recentErrors(), configTarget: configTarget() }),
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onGatePoll(l) {
      gateListeners.add(l);
      return () => gateListeners.delete(l);
    },
    pollOnce,
  };
}

/** The watch's parts: the observer asks, the gate judges, the notices tell, the publisher shares. */
function watchParts(
  opts: AwsWatchOptions,
  o: {
    env: NodeJS.ProcessEnv;
    stateDir: string;
    plan: WatchPlan;
    now: () => number;
    log: (line: string) => void;
  },
) {
  const { config } = opts;
  const { env, stateDir, plan, now, log } = o;
  const observer = new AwsObserver({
    config,
    aws: config.aws,
    gate: config.gate,
    notify: config.notify,
    alarms: plan.alarms,
    env,
    stateDir,
    effects:
      opts.effects ?? projectEffects({ trusted: false, env: opts.env ?? process.env, project: config }),
    clients: opts.clients,
    now,
  });
  const gate = new AwsGate(config.gate, plan.requiredPasses);
  const notices = new CloudWatchNotices({
    notifier: opts.notifier,
    journal: opts.journal,
    logGroups: config.notify.logGroups,
    deployments: opts.deployments,
    consoleUrl: (group) => logGroupConsoleUrl(observer.region, group),
    now,
  });
  const live = new LiveGatePublisher({
    stateDir,
    since: new Date(now()).toISOString(),
    intervalMs: plan.intervalMs,
    now,
    log,
  });
  return { observer, gate, notices, live };
}

/**
 * Observes a round and raises its CloudWatch notices: alarm transitions, and new error lines when `readLogs`
 * (a one-shot check reads no log cursors: new error lines belong to the continuous watch's notices).
 */
async function observeRound(
  observer: AwsObserver,
  notices: CloudWatchNotices,
  readLogs: boolean,
): Promise<{ seen: AwsObservation; logProblem?: string; logFailure?: AwsErrorKind }> {
  const seen = await observer.observe();
  if (!seen.alarms.unknown) notices.alarmsObserved(seen.alarms.alarms);
  if (!readLogs) return { seen };
  const logs = await observer.newLogErrors();
  notices.logErrorsObserved(logs.byGroup);
  return {
    seen,
    ...(logs.problem !== undefined ? { logProblem: logs.problem } : {}),
    ...(logs.failure !== undefined ? { logFailure: logs.failure } : {}),
  };
}

/** Calls each subscriber; one that throws stops neither the others nor the watch. */
function callEach(listeners: Set<() => void>): void {
  for (const l of [...listeners]) {
    try {
      l();
    } catch {
      // ignore listener errors
    }
  }
}

/** Hands the poll to each gate listener in turn, awaited; a failing one is logged, never the end of the round. */
async function tellGateListeners(
  listeners: Set<(poll: GatePoll) => Promise<void> | void>,
  poll: GatePoll,
  log: (line: string) => void,
): Promise<void> {
  for (const l of [...listeners]) {
    try {
      await l(poll);
    } catch (err) {
      log(`offload: acting on the gate failed: ${(err as Error).message}`);
    }
  }
}
