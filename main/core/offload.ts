/**
 * The core, composed: config, engine, history, machine watch, AWS watch, the rule and the notifier behind the
 * one OffloadCore object. Every front end opens a project through createOffload — the tray and the window,
 * `offload watch` (the tray without a tray), and each one-shot CLI command, which starts no watches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE, writeFileAtomic } from './platform/atomic-file';
import { initConfig } from './init';
import { ConfigError } from './config/types';
import { createMachineWatch, parseModelsConfig, parseWatchConfig, type MachineWatch } from './machine';
import { createAwsClients } from './aws/clients';
import { parseAwsConfig, parseGateConfig } from './aws/config';
import { errorContextMarkdown } from './aws/error-context';
import { createAwsWatch, readLiveGate, type AwsWatch } from './aws/watch';
import { secretNames } from './config/load';
import { phase6Status, readDeployments, type DeploymentIdentity, type Phase6Signal } from './deployments';
import { LocalLogWatch } from './notify/local-logs';
import { driftOf } from './deployments/drift';
import { journalErrors, journalSignals, noticeSignal } from './deployments/signals';
import { gateByTrust } from './open-project/trust-gate';
import { Masker } from './workflow/mask';
import { readGateState } from './workflow/gates';
import { changedFiles } from './workflow/fingerprint';
import { Notifier, nodeNotifierSink, parseNotifyConfig, type NotifySink } from './notify';
import { openProject, resolveDataDir, type OpenedProject } from './project';
import { createRuleWiring, type RuleWiring, type SwitchOutcome } from './rule/wire';
import { removeStaleTemps } from './platform/atomic-file';
import { watchProjectFiles } from './platform/watch-files';
import { parseSwitchConfig } from './rule/config';
import {
  grantTrust,
  trustStatus,
  trustSubject,
  UntrustedProject,
  type TrustStatus,
  type TrustSubject,
} from './trust';
import { STEP_KINDS } from './registry';
import { createStepServices, type StepServicesHandle } from './services';
import type {
  AwsSnapshot,
  DriftState,
  Notice,
  Phase6State,
  OffloadCore,
  OffloadState,
  RunSnapshot,
  RunSummary,
  StopOutcome,
  WorkflowAvailability,
} from './state';
import { Engine } from './workflow/engine';
import { PHASES, type EngineEvent, type PhaseId } from './workflow/types';
import type { OffloadConfig } from './vocabulary';
import type { HistoryStore } from './history';

export interface OffloadOptions {
  /** History and settings folder; default OFFLOAD_HOME or the platform's app-data folder. */
  dataDir?: string;
  /** Project folder (offload.yml found from it upward). undefined: the remembered project; null: none. */
  projectDir?: string | null;
  /** offload.yml to use instead of searching from projectDir (the CLI's --config). */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Where notices go besides subscribers (a test sink; see desktopNotifications for node-notifier). */
  notifySink?: NotifySink;
  /** Deliver notices as desktop notifications unless offload.yml's `notify.desktop` is false (`offload watch`). */
  desktopNotifications?: boolean;
  /**
   * Start the machine watch, the AWS watch with the rule, and the project file watch (default true: the tray,
   * `offload watch`). One-shot commands pass false and start nothing.
   */
  watch?: boolean;
  /** A broken offload.yml throws ConfigError (the CLI's exit 2) instead of opening with configProblems. */
  strictConfig?: boolean;
  /** Debounce of project file changes before the gates are re-evaluated (default 500 ms). */
  fileChangeDebounceMs?: number;
  /** How long `switch local` waits for a local model server to be listed (default 30 s). */
  localStartTimeoutMs?: number;
  /** Where the core's own warnings go (default stderr). */
  log?: (line: string) => void;
  /** The clock phase 6 judges quiet periods by (tests move it; default Date.now). */
  now?: () => number;
}

/** The core as front ends use it: OffloadCore plus what terminals and the tray need beyond the bridge. */
export interface Offload extends OffloadCore {
  /** Runs an entry point; `waitForLockMs` waits that long for another run on the project to finish first. */
  run(workflow: string, opts?: { waitForLockMs?: number }): Promise<RunSummary>;
  /**
   * Points the dev config at AWS (only while the gate is ready, unless `force`) or back at local (starting and
   * verifying the local model servers); throws SwitchRefused or an Error with the reason.
   */
  switchConfig(target: 'local' | 'aws', opts?: { force?: boolean }): Promise<SwitchOutcome>;
  /** The AWS gate now: the running watch's, a live watch's in another process, or one round asked now. */
  checkAws(): Promise<AwsSnapshot & { live?: { pid: number; since: string } }>;
  /** The gate of a watch running on this project (this process's, the tray's or `offload watch`'s), asking AWS nothing. */
  liveAws(): (AwsSnapshot & { live?: { pid: number; since: string } }) | null;
  /** Which entry points the gates allow now (fingerprints the source). */
  availability(): Promise<WorkflowAvailability[]>;
  /** The running (or last) run of this process, live. */
  currentRun(): RunSnapshot | null;
  /**
   * Every engine event of runs started through this core (progress views). An output event's text is
   * readable during the call only (a step's output may be a view of a buffer the engine reuses).
   */
  onRunEvent(listener: (event: EngineEvent) => void): () => void;
  /** The open project's config, history and data folder (read-only use: history, models, validate). */
  opened(): { config: OffloadConfig; history: HistoryStore; dataDir: string } | null;
  /**
   * The latest CloudWatch errors as Markdown (surrounding lines from the same stream, the deployment, service
   * events, alarm reasons, console links), secrets masked: for an issue or an assistant.
   */
  errorContext(): Promise<string>;
  /** Whether the user trusts the open project as it is now, and what it would run; null without a project. */
  trust(): { subject: TrustSubject; status: TrustStatus } | null;
  /** The machine watch (the project's matchers and thresholds, or the defaults without a project). */
  machineWatch(): MachineWatch;
}

interface Settings {
  projectDir?: string;
}

const MAX_NOTICES = 50;

/** Builds the core. The returned object is the only thing front ends talk to. */
export async function createOffload(opts: OffloadOptions = {}): Promise<Offload> {
  const env = opts.env ?? process.env;
  const dataDir = resolveDataDir(opts.dataDir, env);
  const settingsFile = path.join(dataDir, 'settings.json');
  const watchEnabled = opts.watch !== false;
  const listeners = new Set<(s: OffloadState) => void>();
  const noticeListeners = new Set<(n: Notice) => void>();
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let desktopSink: NotifySink | undefined;
  let desktopWanted = false;
  const notifier = new Notifier({
    sink: {
      deliver: async (n) => {
        await opts.notifySink?.deliver(n);
        if (desktopWanted) await (desktopSink ??= nodeNotifierSink({ appName: 'Offload', log })).deliver(n);
      },
    },
  });
  const runListeners = new Set<(e: EngineEvent) => void>();

  let project: OpenedProject | null = null;
  let configProblems: OffloadState['configProblems'] = [];
  let engine: Engine | null = null;
  let services: StepServicesHandle | null = null;
  let aws: AwsWatch | null = null;
  let trust: TrustSubject | null = null;
  let trustState: TrustStatus | null = null;
  /** Phase 6's quiet period (notify.quiet-period), parsed once per project load. */
  let quietMs = 15 * 60_000;
  let deployments: DeploymentIdentity[] = [];
  let signals: Phase6Signal[] = [];
  let drift: DriftState | null = null;
  const now = opts.now ?? Date.now;
  let rule: RuleWiring | null = null;
  let stopFileWatch: (() => void) | null = null;
  let machine: MachineWatch = createMachineWatch({ env });
  let workflows: WorkflowAvailability[] = [];
  let monitoringPaused = false;
  let lastRunId: string | null = null;
  // History read from disk only when a run starts or ends, not on every state change.
  let historyCache: { list: RunSummary[]; last: OffloadState['run'] } | null = null;
  const historyView = () => {
    const history = project?.history;
    if (!history) return { list: [], last: null };
    if (!historyCache) {
      historyCache = { list: history.listRuns(20), last: lastRunId ? history.readRun(lastRunId) : null };
    }
    return historyCache;
  };
  let disposed = false;
  const unsubs: (() => void)[] = [];
  // Subscriptions to the open project's parts, dropped when another project is opened.
  let projectUnsubs: (() => void)[] = [];
  let core: Offload | null = null;

  // Coalesce change notifications to one per tick: a burst of events renders once.
  let scheduled = false;
  const changed = () => {
    if (scheduled || disposed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (disposed) return;
      const s = state();
      for (const l of listeners) l(s);
    });
  };

  unsubs.push(
    notifier.subscribe((n) => {
      // Phase 6: a CloudWatch error or alarm after a deployment makes it unstable.
      const signal = noticeSignal(n);
      if (signal) signals.push(signal);
      for (const l of noticeListeners) l(n);
      changed();
    }),
  );

  const readSettings = (): Settings => {
    try {
      return JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Settings;
    } catch {
      return {};
    }
  };
  const writeSettings = (s: Settings) => {
    writeFileAtomic(settingsFile, JSON.stringify(s, null, 2), PRIVATE_FILE);
  };

  const refreshAvailability = async () => {
    if (!engine) {
      workflows = [];
      return;
    }
    try {
      // Re-read here (project files changed, a run ended): a trust given in a terminal shows in the tray too.
      trustState = trust ? trustStatus(dataDir, trust) : null;
      workflows = gateByTrust(await engine.availability(), trustState);
      drift = computeDrift();
    } catch (err) {
      workflows = Object.entries(project?.config.workflows ?? {}).map(([name, phases]) => ({
        name,
        phases,
        allowed: false,
        reason: `could not evaluate the gates: ${(err as Error).message}`,
      }));
    }
    changed();
  };

  /** The source against the last deployment that passed AWS testing (the deployed version users have). */
  const computeDrift = (): DriftState | null => {
    const fp = engine?.lastFingerprint;
    if (!project || !fp) return null;
    const { history } = project;
    return driftOf(readGateState(history).awsTestPassed, fp.value, (tested) =>
      changedFiles(history.projectDir, tested, fp),
    );
  };

  /** Errors and alarms after the latest deployment: from the journal (earlier sessions) and live notices. */
  const loadSignals = () => {
    signals = project ? journalSignals(project.history.readJournal(500)) : [];
  };

  let phase6Timer: { at: string; timer: NodeJS.Timeout } | undefined;
  const phase6 = (): Phase6State | undefined => {
    if (!project) return undefined;
    const p = phase6Status(deployments.at(-1), signals, { now: now(), quietMs });
    // Re-render when the quiet period ends (no test waits 15 minutes: they move the clock). One timer per
    // quiet period, not one per state snapshot.
    if (p.status === 'watching' && p.quietUntil && watchEnabled && phase6Timer?.at !== p.quietUntil) {
      clearTimeout(phase6Timer?.timer);
      const timer = setTimeout(changed, Math.max(1000, Date.parse(p.quietUntil) - now()));
      timer.unref();
      phase6Timer = { at: p.quietUntil, timer };
    }
    return p;
  };

  const closeProject = async () => {
    for (const u of projectUnsubs) u();
    projectUnsubs = [];
    stopFileWatch?.();
    stopFileWatch = null;
    clearTimeout(phase6Timer?.timer);
    phase6Timer = undefined;
    aws?.stop();
    aws = null;
    rule?.dispose();
    rule = null;
    await services?.dispose();
    services = null;
    engine = null;
    project = null;
  };

  const load = async (dir: string | null) => {
    await closeProject();
    configProblems = [];
    machine.stop();
    if (dir) {
      try {
        project = openProject({ cwd: dir, configPath: opts.configPath, dataDir, env });
      } catch (err) {
        if (opts.strictConfig) throw err;
        if (err instanceof ConfigError) configProblems = err.problems;
        else
          configProblems = [
            {
              file: path.join(dir, 'offload.yml'),
              line: 1,
              column: 1,
              path: '',
              message: (err as Error).message,
            },
          ];
      }
    }
    trust = project ? trustSubject(project.config) : null;
    trustState = trust ? trustStatus(dataDir, trust) : null;
    const trusted = trustState?.trusted ?? false;
    quietMs = parseNotifyConfig(project?.config.sections.notify).quietPeriodMs;
    // The machine watch works with or without a project (defaults, or the project's thresholds); the project's
    // own matchers decide which processes may be stopped, so they count only once the project is trusted.
    const modelsSection = project?.config.sections.models as Record<string, unknown> | undefined;
    machine = createMachineWatch({
      env,
      watch: parseWatchConfig(project?.config.sections.watch),
      models: parseModelsConfig(trusted ? modelsSection : { ...modelsSection, matchers: [] }),
    });
    if (project) {
      const { config, history } = project;
      deployments = readDeployments(history);
      loadSignals();
      services = createStepServices(config, { env, history, dataDir, extra: { machine, notifier } });
      engine = new Engine({ config, history, stepKinds: STEP_KINDS, services: services.services, env });
      projectUnsubs.push(
        engine.subscribe(
          (e) => {
            if (e.type === 'run-started' || e.type === 'run-finished') {
              if (e.type === 'run-finished') lastRunId = e.runId;
              historyCache = null;
            }
            // A deployment is recorded once its phase passed; the run's end sees it.
            if (e.type === 'run-finished') deployments = readDeployments(history);
            for (const l of runListeners) l(e);
            changed();
          },
          { outputText: 'during-call' },
        ),
      );
      desktopWanted = Boolean(opts.desktopNotifications) && parseNotifyConfig(config.sections.notify).desktop;
      // The rule, wired once: gate polls -> stop models, switch the config, run `shutdown`; the user's switches.
      const wiring = createRuleWiring({
        config,
        // Untrusted, nothing automatic happens: `auto` only tells the user.
        ...(trusted ? {} : { policy: 'notify' as const }),
        models: machine,
        notifier,
        journal: history,
        dataDir,
        env,
        log,
        localStartTimeoutMs: opts.localStartTimeoutMs,
        // Phase 5 after the gate opened: the project's shutdown entry point verifies against AWS.
        runShutdown: async () => {
          if (!config.workflows.shutdown || !core)
            return { status: 'skipped', summary: 'no shutdown workflow' };
          if (engine?.current()?.status === 'running')
            return { status: 'skipped', summary: 'a workflow is running' };
          const r = await core.run('shutdown');
          return { status: r.status, summary: r.reason };
        },
      });
      rule = wiring;
      // A switch killed mid-write leaves a recognisable temp file next to its file: gone at the next start.
      if (trusted)
        for (const f of parseSwitchConfig(config.sections.switch, config.dir).files) {
          try {
            removeStaleTemps(f.path);
          } catch {
            // best effort: the next switch tries again
          }
        }
      if (watchEnabled) {
        aws = createAwsWatch({
          config,
          notifier,
          journal: history,
          env,
          dataDir,
          log,
          configTarget: () => (wiring.switcher.configured() ? wiring.switcher.current() : 'unknown'),
          latestDeployment: () => deployments.at(-1),
        });
        projectUnsubs.push(wiring.attach(aws));
        projectUnsubs.push(aws.subscribe(changed));
        if (!monitoringPaused) aws.start();
        // Phase 6, local side: the dev system's log files, polled with CloudWatch's interval.
        const notify = parseNotifyConfig(config.sections.notify);
        // Files are only read; a command is the project's code, so it runs only once the project is trusted.
        const localLogs = notify.localLogs.filter((l) => l.path || trusted);
        if (localLogs.length) {
          const local = new LocalLogWatch({ dir: config.dir, logs: localLogs, notifier });
          local.poll();
          const t = setInterval(() => local.poll(), Math.min(notify.intervalMs, 5000));
          t.unref();
          projectUnsubs.push(() => {
            clearInterval(t);
            local.close();
          });
        }
        // A trust given elsewhere (`offload trust` in a terminal) shows at once: the data folder is watched too.
        try {
          fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
          const w = fs.watch(dataDir, { persistent: false }, (_e, name) => {
            if (String(name) === 'trust.json') void refreshAvailability();
          });
          w.on('error', () => w.close());
          projectUnsubs.push(() => w.close());
        } catch {
          // no data folder watch: the next file change or run re-reads the trust
        }
        // The gates follow the project's files (debounced), instead of re-running git on a timer.
        stopFileWatch = watchProjectFiles(config.dir, () => void refreshAvailability(), {
          debounceMs: opts.fileChangeDebounceMs ?? 500,
          ignore: [dataDir],
        });
      }
    }
    projectUnsubs.push(machine.subscribe(changed));
    projectUnsubs.push(
      machine.onAlert((alert, phase) => {
        if (phase !== 'raised') return;
        notifier.notify({
          level: 'warning',
          title: 'Machine under pressure',
          body: alert.message,
          target: { view: 'machine', item: alert.id },
        });
      }),
    );
    if (watchEnabled && !monitoringPaused) machine.start();
    // One-shot commands ask for availability when they need it (one fingerprint, not two).
    if (watchEnabled) await refreshAvailability();
  };

  /** The trust part of the state, as last read (at load and with each availability check). */
  const trustView = (): OffloadState['trust'] => {
    if (!trust || !trustState) return null;
    const st = trustState;
    return st.trusted
      ? { trusted: true, actions: trust.actions }
      : { trusted: false, reason: st.reason, actions: trust.actions };
  };
  /** Throws UntrustedProject unless the open project is trusted as it is now (read afresh: a command enters). */
  const requireTrust = () => {
    if (!trust) return;
    const st = (trustState = trustStatus(dataDir, trust));
    if (!st.trusted) throw new UntrustedProject(trust, st);
  };

  const state = (): OffloadState => {
    const live = engine?.current() ?? null;
    const past = historyView();
    const run = live ?? past.last;
    return {
      project: project
        ? { dir: project.config.dir, name: project.config.name, configFile: project.config.file }
        : null,
      configProblems,
      trust: trustView(),
      phase6: phase6(),
      drift,
      run,
      history: past.list,
      workflows,
      machine: machine.snapshot(),
      models: machine.models(),
      aws: aws?.snapshot() ?? null,
      monitoringPaused,
      notices: notifier.recent().slice(-MAX_NOTICES),
    };
  };

  const initialDir = opts.projectDir === undefined ? (readSettings().projectDir ?? null) : opts.projectDir;
  await load(initialDir);
  lastRunId = (project as OpenedProject | null)?.history.listRuns(1)[0]?.runId ?? null;
  historyCache = null;

  /** The gate now: this process's watch, else a live watch in another process, else one round asked now. */
  const checkAws = async (): Promise<AwsSnapshot & { live?: { pid: number; since: string } }> => {
    const { project: p } = requireProject();
    if (aws && aws.snapshot().checkedAt) return aws.snapshot();
    const live = readLiveGate(p.config, dataDir, env);
    if (live) return live;
    const once = createAwsWatch({
      config: p.config,
      notifier: new Notifier(),
      env,
      dataDir,
      log,
      oneShot: true,
      configTarget: () => (rule?.switcher.configured() ? rule.switcher.current() : 'unknown'),
    });
    try {
      await once.pollOnce();
      return once.snapshot();
    } finally {
      once.stop();
    }
  };

  const requireProject = (): { engine: Engine; project: OpenedProject } => {
    if (!engine || !project) {
      throw new Error(
        configProblems.length
          ? `offload.yml has ${configProblems.length} problem(s); fix them first`
          : 'no project is open: choose a project folder first',
      );
    }
    return { engine, project };
  };

  core = {
    state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onNotice(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    async run(workflow: string, o: { waitForLockMs?: number } = {}): Promise<RunSummary> {
      const { engine: e, project: p } = requireProject();
      requireTrust();
      if (typeof workflow !== 'string' || !p.config.workflows[workflow]) {
        throw new Error(
          `unknown workflow "${String(workflow)}"; offload.yml defines: ${Object.keys(p.config.workflows).join(', ')}`,
        );
      }
      // The engine checks the gates itself at run start (one fingerprint); run-finished updates the history view.
      const promise = e.run(workflow, { waitForLockMs: o.waitForLockMs });
      changed();
      const summary = await promise;
      if (summary.status === 'failed' || summary.status === 'blocked') {
        notifier.notify({
          level: 'error',
          title: `${workflow} ${summary.status}`,
          body: summary.reason ?? `the ${workflow} workflow ${summary.status}`,
          target: { view: 'phases', item: summary.runId },
        });
      }
      if (watchEnabled) await refreshAvailability();
      return summary;
    },
    async cancel() {
      engine?.cancel();
    },
    async stopModels(o): Promise<StopOutcome[]> {
      const outcomes = await machine.stopModelServers(o);
      project?.history.appendProjectEvent('stop-local-models', { trigger: 'user', outcomes });
      changed();
      return outcomes;
    },
    async switchConfig(target, o: { force?: boolean } = {}): Promise<SwitchOutcome> {
      if (target !== 'aws' && target !== 'local') throw new Error(`switch target must be "aws" or "local"`);
      requireProject();
      requireTrust();
      try {
        return await rule!.switchConfig(target, { force: Boolean(o.force), gate: checkAws });
      } finally {
        changed();
      }
    },
    checkAws,
    liveAws() {
      if (!project) return null;
      if (aws && aws.snapshot().checkedAt) return aws.snapshot();
      return readLiveGate(project.config, dataDir, env) ?? null;
    },
    async errorContext() {
      const { project: p } = requireProject();
      const { config } = p;
      const snap = aws?.snapshot() ?? (await checkAws());
      // Errors this process saw, else the ones the journal kept (a watch in the tray or an earlier session).
      const errors = snap.recentErrors.length
        ? snap.recentErrors
        : journalErrors(p.history.readJournal(500)).slice(-10);
      const masker = new Masker();
      for (const name of secretNames(config)) {
        const v = env[name];
        if (v) masker.add(v);
      }
      const clients =
        errors.length || snap.services.length
          ? createAwsClients(parseAwsConfig(config.sections.aws), { ...env, ...config.env })
          : undefined;
      try {
        return await errorContextMarkdown({
          project: config.name,
          errors,
          alarms: snap.alarms,
          services: parseGateConfig(config.sections.gate).services,
          deployment: deployments.at(-1),
          clients,
          mask: (t) => masker.mask(t),
        });
      } finally {
        clients?.destroy();
      }
    },
    async availability() {
      await refreshAvailability();
      return workflows;
    },
    currentRun: () => engine?.current() ?? null,
    onRunEvent(listener) {
      runListeners.add(listener);
      return () => runListeners.delete(listener);
    },
    opened: () => project,
    trust() {
      if (!trust) return null;
      return { subject: trust, status: trustStatus(dataDir, trust) };
    },
    async trustProject() {
      const { project: p } = requireProject();
      grantTrust(dataDir, trustSubject(p.config));
      // Reopen: the project's matchers and automatic policy apply from now on.
      await load(p.config.dir);
      changed();
    },
    machineWatch: () => machine,
    setMonitoringPaused(paused: boolean) {
      monitoringPaused = Boolean(paused);
      machine.setPaused(monitoringPaused);
      aws?.setPaused(monitoringPaused);
      changed();
    },
    async openProject(dir: string) {
      if (engine?.current()?.status === 'running')
        throw new Error('a workflow is running; cancel it before switching projects');
      const abs = path.resolve(dir);
      await load(abs);
      lastRunId = project?.history.listRuns(1)[0]?.runId ?? null;
      historyCache = null;
      writeSettings({ ...readSettings(), projectDir: abs });
      changed();
    },
    async initProject(dir: string) {
      const abs = path.resolve(dir);
      const file = path.join(abs, 'offload.yml');
      if (!fs.existsSync(file)) {
        const { text } = initConfig(abs);
        writeFileAtomic(file, text);
      }
      await core!.openProject(abs);
      return file;
    },
    async runLog(runId: string, phase: PhaseId, step: string) {
      const { project: p } = requireProject();
      if (!/^[\w.-]+$/.test(runId) || !PHASES.includes(phase) || !/^[\w.-]+$/.test(step)) {
        throw new Error('invalid run, phase or step id');
      }
      const file = p.history.stepLogPath(runId, phase, step);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    },
    async dispose() {
      disposed = true;
      engine?.cancel();
      machine.stop();
      for (const u of unsubs) u();
      await closeProject();
    },
  };
  return core;
}
