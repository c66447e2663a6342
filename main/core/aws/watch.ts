/**
 * The AWS watch observes: services, endpoint checks and alarms for the AWS-ready gate (decided by the pure
 * assessAwsReady), CloudWatch alarm transitions and new error log lines (raised as notices). It acts on
 * nothing itself: gate changes go to its listeners, where the core wires the rule. One poll per interval
 * (default 60 s) with batched calls. While it runs continuously it publishes its gate state in the project's
 * data folder, so a one-shot `offload aws status` in another process shows the live state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { interpolate } from '../config/interpolate';
import { PRIVATE_FILE, writeFileAtomic } from '../platform/atomic-file';
import type { OffloadConfig } from '../config/types';
import type { Notifier } from '../notify/notifier';
import { parseNotifyConfig } from '../notify/config';
import { afterDeployment, type DeploymentIdentity } from '../deployments';
import { assessAwsReady, type GateObservations, type GatePoll } from '../rule/aws-ready';
import type { EventJournal } from '../rule/enforcer';
import { projectStateDir } from '../rule/paths';
import type {
  AwsAlarmState,
  AwsEndpointState,
  AwsServiceState,
  AwsSnapshot,
  CloudWatchError,
} from '../vocabulary';
import { AlarmTracker, describeAlarms } from './alarms';
import { createAwsClients, type AwsClients } from './clients';
import { gateConfigured, parseAwsConfig, parseGateConfig, type GateEndpointConfig } from './config';
import { assessService, describeServices } from './ecs';
import { explainAwsError } from './errors';
import { LogErrorWatch, type LogErrorEvent } from './logs';

/** Timer functions (injected by tests that control time). */
export interface WatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

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
  /** The latest deployment, so each CloudWatch notice names what it happened after. */
  latestDeployment?: () => DeploymentIdentity | undefined;
  /** Which config the dev tools point at now (the config switch's view), for the snapshot. */
  configTarget?: () => AwsSnapshot['configTarget'];
  env?: NodeJS.ProcessEnv;
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

const LIVE_FILE = 'gate-live.json';

/**
 * The gate state a continuously running watch (in this or another process) published, if it is alive and
 * recent; undefined otherwise.
 */
export function readLiveGate(
  project: { name: string; dir: string },
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): (AwsSnapshot & { live: { pid: number; since: string } }) | undefined {
  try {
    const file = path.join(projectStateDir(project, dataDir, env), LIVE_FILE);
    const l = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      pid: number;
      at: number;
      since: string;
      intervalMs: number;
      snapshot: AwsSnapshot;
    };
    if (now - l.at > 3 * l.intervalMs + 5_000) return undefined;
    try {
      process.kill(l.pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
    }
    return { ...l.snapshot, live: { pid: l.pid, since: l.since } };
  } catch {
    return undefined;
  }
}

const MAX_RECENT_ERRORS = 50;

/** An endpoint URL may use `${{ env.X }}`/`${{ project.name }}`; an unresolvable one fails the check. */
function resolveUrl(url: string, env: NodeJS.ProcessEnv, config: OffloadConfig): string {
  if (!url.includes('${{')) return url;
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') vars[k] = v;
  return String(
    interpolate(url, {
      env: vars,
      secrets: vars,
      steps: {},
      project: { name: config.name, dir: config.dir },
      run: { id: '', workflow: '' },
    }).value,
  );
}

/** Builds the AWS watch for a project. Nothing polls until start() (or pollOnce()). */
export function createAwsWatch(opts: AwsWatchOptions): AwsWatch {
  const { config, notifier } = opts;
  const configTarget = opts.configTarget ?? (() => 'unknown' as const);
  // offload.yml's `env:` applies here as it does to steps (e.g. the AWS URL the endpoints and the switch use).
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...config.env };
  const now = opts.now ?? Date.now;
  const timers: WatchTimers = opts.timers ?? {
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    },
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const aws = parseAwsConfig(config.sections.aws);
  const gate = parseGateConfig(config.sections.gate);
  const notify = parseNotifyConfig(config.sections.notify);
  const stateDir = projectStateDir(config, opts.dataDir, env);
  const requiredPasses = opts.oneShot ? 1 : gate.consecutivePasses;
  const gateOn = gateConfigured(gate);
  const alarmSel = {
    names: [...new Set([...gate.alarms.names, ...notify.alarms.names])],
    prefixes: [...new Set([...gate.alarms.prefixes, ...notify.alarms.prefixes])],
  };
  const needsAws =
    gate.services.length + alarmSel.names.length + alarmSel.prefixes.length + notify.logGroups.length > 0;
  const intervalMs = Math.min(gate.intervalMs, notify.intervalMs);

  let clients = opts.clients;
  const ownClients = !clients;
  const getClients = () => (clients ??= createAwsClients(aws, env));

  const tracker = new AlarmTracker();
  let logWatch: LogErrorWatch | undefined;
  const passes = new Map<string, number>();
  const listeners = new Set<() => void>();
  const gateListeners = new Set<(poll: GatePoll) => Promise<void> | void>();
  const since = new Date(now()).toISOString();
  const pendingLogs = new Map<string, { events: LogErrorEvent[]; total: number }>();
  const lastLogNotice = new Map<string, number>();
  const recentErrors: CloudWatchError[] = [];
  let snap: AwsSnapshot = {
    gate: gateOn ? 'unknown' : 'disabled',
    reason: gateOn ? 'not checked yet' : 'offload.yml configures no gate (services, endpoints or alarms)',
    services: gate.services.map((s) => ({ cluster: s.cluster, service: s.service, status: 'pending' })),
    endpoints: gate.endpoints.map((e) => ({
      name: e.name,
      url: e.url,
      status: 'pending',
      consecutivePasses: 0,
      required: requiredPasses,
    })),
    alarms: [],
    recentErrors: [],
    configTarget: configTarget(),
  };
  let running = false;
  let paused = false;
  let timer: unknown;
  let inFlight: Promise<void> | null = null;
  let lastGate: AwsSnapshot['gate'] = snap.gate;

  const emit = () => {
    for (const l of [...listeners]) {
      try {
        l();
      } catch {
        // ignore listener errors
      }
    }
  };
  const explain = (err: unknown, action: string, resource?: string) =>
    explainAwsError(err, {
      action,
      profile: clients?.profile ?? aws.profile,
      region: clients?.region ?? aws.region,
      resource,
    });

  const checkEndpoint = async (e: GateEndpointConfig): Promise<{ ok: boolean; result: string }> => {
    const t0 = now();
    try {
      const url = resolveUrl(e.url, env, config);
      const res = await fetch(url, { signal: AbortSignal.timeout(e.timeoutMs), redirect: 'manual' });
      const body = e.body !== undefined ? await res.text() : (await res.arrayBuffer(), '');
      const ms = now() - t0;
      if (!e.status.includes(res.status))
        return { ok: false, result: `HTTP ${res.status} (expected ${e.status.join('/')}) in ${ms} ms` };
      if (e.body !== undefined && !body.includes(e.body))
        return { ok: false, result: `HTTP ${res.status} but the body lacks "${e.body}"` };
      return { ok: true, result: `HTTP ${res.status} in ${ms} ms` };
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        return { ok: false, result: `no answer within ${e.timeoutMs} ms` };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, result: `unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
    }
  };

  const pollServices = async (): Promise<{ states: AwsServiceState[]; unknown?: string }> => {
    if (gate.services.length === 0) return { states: [] };
    try {
      const views = await describeServices(getClients().ecs, gate.services);
      return {
        states: gate.services.map((s) => {
          const a = assessService(s.cluster, s.service, views.get(`${s.cluster}/${s.service}`) ?? null);
          return {
            cluster: s.cluster,
            service: s.service,
            status: a.state === 'stable' ? 'passed' : a.state === 'rolling' ? 'running' : 'failed',
            running: a.running,
            desired: a.desired,
            rollout: a.rollout,
            taskDefinition: a.taskDefinition,
            message: a.message,
          };
        }),
      };
    } catch (err) {
      const why = explain(err, 'ecs:DescribeServices');
      return {
        states: gate.services.map((s) => ({ ...s, status: 'pending', message: `unknown: ${why}` })),
        unknown: why,
      };
    }
  };

  const pollAlarms = async (): Promise<{ alarms: AwsAlarmState[]; unknown?: string }> => {
    if (alarmSel.names.length + alarmSel.prefixes.length === 0) return { alarms: [] };
    try {
      const alarms = await describeAlarms(getClients().cloudwatch, alarmSel);
      for (const t of tracker.update(alarms)) {
        const a = t.alarm;
        const after = afterDeployment(opts.latestDeployment?.(), now());
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
        opts.journal?.appendProjectEvent('cloudwatch-alarm', {
          name: a.name,
          transition: t.kind,
          state: a.state,
          metric: a.metric,
          reason: a.reason,
        });
      }
      return { alarms };
    } catch (err) {
      const why = explain(err, 'cloudwatch:DescribeAlarms');
      const names = [...alarmSel.names, ...alarmSel.prefixes.map((p) => `${p}*`)];
      return { alarms: names.map((name) => ({ name, state: 'UNKNOWN', reason: why })), unknown: why };
    }
  };

  const consoleUrl = (group: string) => {
    const region = clients?.region ?? aws.region ?? 'us-east-1';
    const enc = encodeURIComponent(encodeURIComponent(group)).replace(/%/g, '$');
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc}`;
  };

  const flushLogs = (force: boolean) => {
    for (const g of notify.logGroups) {
      const p = pendingLogs.get(g.name);
      if (!p || p.total === 0) continue;
      const last = lastLogNotice.get(g.name);
      if (!force && last !== undefined && now() - last < g.windowMs) continue;
      const first = p.events[0]!;
      const firstLine = first.message.split('\n')[0]!.trim().slice(0, 200);
      const after = afterDeployment(opts.latestDeployment?.(), first.timestamp);
      notifier.notify({
        level: 'error',
        title: p.total === 1 ? `New error in ${g.name}` : `${p.total} new errors in ${g.name}`,
        body: `${p.total} new error${p.total === 1 ? '' : 's'} in ${g.name}${first.stream ? ` (stream ${first.stream})` : ''}${after ? `, ${after}` : ''} — first: ${firstLine}`,
        target: { view: 'errors', item: g.name },
        source: 'cloudwatch-logs',
      });
      recentErrors.push({
        logGroup: g.name,
        at: new Date(first.timestamp).toISOString(),
        message: firstLine,
        count: p.total,
        consoleUrl: consoleUrl(g.name),
        ...(first.stream ? { logStream: first.stream } : {}),
        ...(after ? { deployment: after } : {}),
      });
      recentErrors.splice(0, Math.max(0, recentErrors.length - MAX_RECENT_ERRORS));
      opts.journal?.appendProjectEvent('cloudwatch-errors', {
        logGroup: g.name,
        count: p.total,
        first: { at: first.timestamp, eventId: first.eventId, message: firstLine, stream: first.stream },
        ...(after ? { deployment: after } : {}),
        consoleUrl: consoleUrl(g.name),
      });
      lastLogNotice.set(g.name, now());
      pendingLogs.delete(g.name);
    }
  };

  const pollLogs = async (): Promise<string | undefined> => {
    if (notify.logGroups.length === 0) return undefined;
    logWatch ??= new LogErrorWatch({
      client: getClients().logs,
      groups: notify.logGroups,
      stateFile: path.join(stateDir, 'log-cursors.json'),
      now,
    });
    let problem: string | undefined;
    for (const g of notify.logGroups) {
      try {
        const events = await logWatch.pollGroup(g);
        if (events.length) {
          const p = pendingLogs.get(g.name) ?? { events: [], total: 0 };
          p.events.push(...events.slice(0, 5 - Math.min(5, p.events.length)));
          p.total += events.length;
          pendingLogs.set(g.name, p);
        }
      } catch (err) {
        problem = explain(err, 'logs:FilterLogEvents', g.name);
      }
    }
    flushLogs(false);
    return problem;
  };

  const publishLive = () => {
    if (opts.oneShot || !running) return;
    try {
      writeFileAtomic(
        path.join(stateDir, LIVE_FILE),
        JSON.stringify({ pid: process.pid, at: now(), since, intervalMs, snapshot: snap }),
        PRIVATE_FILE,
      );
    } catch (err) {
      log(`offload: could not publish the gate state: ${(err as Error).message}`);
    }
  };

  const evaluate = async () => {
    const [svc, endpoints, alarms] = await Promise.all([
      pollServices(),
      Promise.all(gate.endpoints.map(async (e) => ({ e, r: await checkEndpoint(e) }))),
      pollAlarms(),
    ]);
    // A one-shot check reads no log cursors: new error lines belong to the continuous watch's notices.
    const logProblem = opts.oneShot ? undefined : await pollLogs();
    const seenAt = now();
    const epStates: AwsEndpointState[] = endpoints.map(({ e, r }) => {
      const n = r.ok ? (passes.get(e.name) ?? 0) + 1 : 0;
      passes.set(e.name, n);
      return {
        name: e.name,
        url: e.url,
        status: !r.ok ? 'failed' : n >= requiredPasses ? 'passed' : 'running',
        consecutivePasses: n,
        required: requiredPasses,
        lastResult: r.result,
      };
    });
    const gateAlarmNames = new Set(gate.alarms.names);
    const gateAlarms = alarms.alarms.filter(
      (a) =>
        gateAlarmNames.has(a.name) ||
        gate.alarms.prefixes.some((p) => a.name.startsWith(p) || a.name === `${p}*`),
    );
    const observations: GateObservations = {
      configured: gateOn,
      services: svc.states.map((s) => ({
        cluster: s.cluster,
        service: s.service,
        state: svc.unknown
          ? 'unknown'
          : s.status === 'passed'
            ? 'stable'
            : s.status === 'running'
              ? 'rolling'
              : 'failed',
        message: svc.unknown ?? s.message,
        seenAt,
      })),
      endpoints: epStates.map((e) => ({
        name: e.name,
        ok: e.status !== 'failed',
        result: e.lastResult ?? '',
        consecutivePasses: e.consecutivePasses,
        seenAt,
      })),
      alarms: gateAlarms.map((a) => ({ name: a.name, state: a.state, reason: a.reason, seenAt })),
      unmatchedAlarmPrefixes:
        alarms.unknown || gateAlarms.length ? [] : gate.alarms.prefixes.map((p) => `${p}*`),
    };
    const verdict = assessAwsReady(observations, { requiredPasses, now: seenAt });
    const gateState = verdict.verdict;
    snap = {
      gate: gateState,
      reason: gateOn
        ? verdict.reasons.length
          ? verdict.reasons.join('; ')
          : 'every service stable, every endpoint passing, no alarm in ALARM'
        : snap.reason,
      checkedAt: new Date(seenAt).toISOString(),
      services: svc.states,
      endpoints: epStates,
      alarms: alarms.alarms,
      recentErrors: [...recentErrors],
      configTarget: configTarget(),
    };
    if (logProblem) log(`offload: ${logProblem}`);
    const poll: GatePoll = {
      from: lastGate,
      to: gateState,
      reason: snap.reason ?? '',
      evidence: { services: svc.states, endpoints: epStates, alarms: gateAlarms },
    };
    if (gateOn && !opts.oneShot && (gateState === 'ready') !== (lastGate === 'ready')) {
      opts.journal?.appendProjectEvent('aws-gate', {
        from: lastGate,
        to: gateState,
        reason: snap.reason,
        evidence: poll.evidence,
      });
    }
    lastGate = gateState;
    for (const l of [...gateListeners]) {
      try {
        await l(poll);
      } catch (err) {
        log(`offload: acting on the gate failed: ${(err as Error).message}`);
      }
    }
    snap = { ...snap, configTarget: configTarget() };
    publishLive();
    emit();
  };

  const pollOnce = (): Promise<void> => {
    if (!gateOn && !needsAws) return Promise.resolve();
    inFlight ??= evaluate()
      .catch((err) => log(`offload: AWS watch poll failed: ${(err as Error).message}`))
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  const schedule = () => {
    if (!running || paused) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      void pollOnce().finally(schedule);
    }, intervalMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      if (!paused) void pollOnce().finally(schedule);
    },
    stop() {
      const wasRunning = running;
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      flushLogs(true);
      if (wasRunning && !opts.oneShot) fs.rmSync(path.join(stateDir, LIVE_FILE), { force: true });
      if (ownClients) clients?.destroy();
      if (ownClients) clients = undefined;
    },
    setPaused(p: boolean) {
      if (paused === p) return;
      paused = p;
      if (p && timer !== undefined) {
        timers.clearTimeout(timer);
        timer = undefined;
      } else if (!p && running) void pollOnce().finally(schedule);
    },
    snapshot: () => ({ ...snap, recentErrors: [...recentErrors], configTarget: configTarget() }),
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
