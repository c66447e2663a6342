/**
 * The AWS watch, composed: the observer asks AWS and the endpoints, the gate counts passes and judges
 * (assessAwsReady), CloudWatch notices raise alarm transitions and new error lines, and the live-gate
 * publisher shares the state with other processes. It acts on nothing itself: gate polls go to its
 * listeners, where the core wires the rule. One poller runs a round per interval (default 60 s).
 */
import type { OffloadConfig } from '../config/types';
import type { Notifier } from '../notify/notifier';
import { projectEffects, type ProjectEffects } from '../boundary';
import type { DeploymentIdentity } from '../deployments';
import type { GatePoll } from '../rule/aws-ready';
import type { EventJournal } from '../rule/enforcer';
import { projectStateDir } from '../rule/paths';
import { Poller, UNREF_TIMERS, type Timers } from '../units/poller';
import type { AwsSnapshot } from '../vocabulary';
import type { AwsClients } from './clients';
import { CloudWatchNotices, logGroupConsoleUrl } from './cloudwatch-notices';
import { gateConfigured } from './config';
import { AwsGate, initialGate, staleAfterMs, staleAsUnknown } from './gate';
import { LiveGatePublisher, readLiveGateFile, type LiveGate } from './live-gate';
import { AwsObserver } from './observer';

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

/**
 * The gate state a continuously running watch (in this or another process) published, if it is alive and
 * recent; undefined otherwise.
 */
export function readLiveGate(
  project: { name: string; dir: string },
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): LiveGate | undefined {
  return readLiveGateFile(projectStateDir(project, dataDir, env), now);
}

/** Builds the AWS watch for a project. Nothing polls until start() (or pollOnce()). */
export function createAwsWatch(opts: AwsWatchOptions): AwsWatch {
  const { config } = opts;
  const configTarget = opts.configTarget ?? (() => 'unknown' as const);
  // offload.yml's `env:` applies here as it does to steps (e.g. the AWS URL the endpoints and the switch use).
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...config.env };
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const aws = config.aws;
  const gateConfig = config.gate;
  const notify = config.notify;
  const stateDir = projectStateDir(config, opts.dataDir, env);
  const requiredPasses = opts.oneShot ? 1 : gateConfig.consecutivePasses;
  const gateOn = gateConfigured(gateConfig);
  const alarms = {
    names: [...new Set([...gateConfig.alarms.names, ...notify.alarms.names])],
    prefixes: [...new Set([...gateConfig.alarms.prefixes, ...notify.alarms.prefixes])],
  };
  const needsAws =
    gateConfig.services.length + alarms.names.length + alarms.prefixes.length + notify.logGroups.length > 0;
  const intervalMs = Math.min(gateConfig.intervalMs, notify.intervalMs);

  const observer = new AwsObserver({
    config,
    aws,
    gate: gateConfig,
    notify,
    alarms,
    env,
    stateDir,
    effects:
      opts.effects ?? projectEffects({ trusted: false, env: opts.env ?? process.env, project: config }),
    clients: opts.clients,
    now,
  });
  const gate = new AwsGate(gateConfig, requiredPasses);
  const notices = new CloudWatchNotices({
    notifier: opts.notifier,
    journal: opts.journal,
    logGroups: notify.logGroups,
    deployments: opts.deployments,
    consoleUrl: (group) => logGroupConsoleUrl(observer.region, group),
    now,
  });
  const live = new LiveGatePublisher({
    stateDir,
    since: new Date(now()).toISOString(),
    intervalMs,
    now,
    log,
  });
  const listeners = new Set<() => void>();
  const gateListeners = new Set<(poll: GatePoll) => Promise<void> | void>();
  let snap: AwsSnapshot = {
    ...initialGate(gateConfig, requiredPasses),
    alarms: [],
    recentErrors: [],
    configTarget: configTarget(),
  };

  const emit = () => {
    for (const l of [...listeners]) {
      try {
        l();
      } catch {
        // ignore listener errors
      }
    }
  };

  /** One round: observe, raise CloudWatch notices, judge the gate, tell the rule, publish. */
  const round = async () => {
    const seen = await observer.observe();
    if (!seen.alarms.unknown) notices.alarmsObserved(seen.alarms.alarms);
    // A one-shot check reads no log cursors: new error lines belong to the continuous watch's notices.
    let logProblem: string | undefined;
    if (!opts.oneShot && notify.logGroups.length) {
      const logs = await observer.newLogErrors();
      notices.logErrorsObserved(logs.byGroup);
      logProblem = logs.problem;
    }
    const seenAt = now();
    const { poll, endpoints, crossedReady } = gate.judge(seen, seenAt);
    snap = {
      gate: poll.to,
      reason: poll.reason,
      checkedAt: new Date(seenAt).toISOString(),
      services: seen.services.states,
      endpoints,
      alarms: seen.alarms.alarms,
      recentErrors: notices.recentErrors(),
      ...(logProblem || seen.alarms.unknown ? { cloudwatchBlind: logProblem ?? seen.alarms.unknown } : {}),
      configTarget: configTarget(),
    };
    if (logProblem) log(`offload: ${logProblem}`);
    if (crossedReady && !opts.oneShot) {
      opts.journal?.appendProjectEvent('aws-gate', {
        from: poll.from,
        to: poll.to,
        reason: poll.reason,
        evidence: poll.evidence,
      });
    }
    for (const l of [...gateListeners]) {
      try {
        await l(poll);
      } catch (err) {
        log(`offload: acting on the gate failed: ${(err as Error).message}`);
      }
    }
    snap = { ...snap, configTarget: configTarget() };
    if (!opts.oneShot && poller.started) live.publish(snap);
    armStaleTimer();
    emit();
  };

  const poller = new Poller(round, {
    intervalMs,
    timers: opts.timers ?? UNREF_TIMERS,
    onError: (err) => log(`offload: AWS watch poll failed: ${(err as Error).message}`),
  });
  // A hung poll turns the snapshot unknown after about two intervals; a timer tells the subscribers then.
  const maxAgeMs = staleAfterMs(intervalMs);
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
