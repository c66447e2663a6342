/**
 * The composition root: binds the notifier, the machine watch and the open project (one object with one
 * disposable store) behind the one Offload facade, and decides nothing itself. Every front end opens a
 * project through createOffload — the tray and the window, `offload watch` (the tray without a tray), and each
 * one-shot CLI command, which starts no watches.
 */
import path from 'node:path';
import type { MachineWatch } from './machine';
import type { NotifySink } from './notify';
import { sweepOrphansOnce } from './platform/process-tree';
import type { OpenProject } from './open-project/open-project';
import type { CostView } from './aws/cost-view';
import { openSession } from './open-project/open-session';
import { machineWatchFor, readStepLog, SettingsFile } from './open-project/open';
import { resolveDataDir, type OpenedProject } from './project';
import { grantTrust, trustSubject } from './trust';
import type { Offload, OffloadState, RunSummary } from './state';
import type { EngineEvent } from './workflow/types';
import type { Notice } from './vocabulary';
import { changeSignal } from './change-signal';
import { journalLines } from './history/journal-text';
import {
  actualCostOf,
  addTo,
  openOrThrow,
  createCoreNotifier,
  ensureConfigFile,
  fitForUser,
  HistoryView,
  machineNowOf,
  runWorkflow,
  overviewOf,
  snapshotOf,
  trustOf,
  stopForUser,
  unlockTeamOf,
} from './open-project/facade-parts';
import { DisposableStore } from './units/disposable';

export type { Offload } from './state';

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
  /** The caller asks for availability next (`offload status`): the fingerprint's git questions start at open. */
  fingerprintSoon?: boolean;
  /** Debounce of project file changes before the gates are re-evaluated (default 500 ms). */
  fileChangeDebounceMs?: number;
  /** How long `switch local` waits for a local model server to be listed (default 30 s). */
  localStartTimeoutMs?: number;
  /** Where the core's own warnings go (default stderr). */
  log?: (line: string) => void;
  /** The clock phase 6 judges quiet periods by (tests move it; default Date.now). */
  now?: () => number;
}

/** Builds the core. The returned object is the only thing front ends talk to. */
export async function createOffload(opts: OffloadOptions = {}): Promise<Offload> {
  const env = opts.env ?? process.env;
  const dataDir = resolveDataDir(opts.dataDir, env);
  const settings = new SettingsFile(dataDir);
  const watch = opts.watch !== false;
  // A tray or `offload watch` that never runs a step still ends what a killed Offload's steps left running.
  if (watch) void sweepOrphansOnce();
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const listeners = new Set<(s: OffloadState) => void>();
  const noticeListeners = new Set<(n: Notice) => void>();
  const runListeners = new Set<(e: EngineEvent) => void>();
  const { notifier, desktop } = createCoreNotifier(opts.notifySink, log);
  let project: OpenedProject | null = null;
  let open: OpenProject | null = null;
  let cost: CostView | null = null;
  let configProblems: OffloadState['configProblems'] = [];
  let machine: MachineWatch = machineWatchFor(null, false, env);
  let machineStore = new DisposableStore();
  let paused = false;
  let disposed = false;
  const history = new HistoryView(() => project?.history ?? null);
  // Will it fit, for the window: recomputed when the config or the running servers change, or each minute.
  const fit = watch ? new (await import('./machine/fit')).FitCache({ env, changed: () => changed() }) : null;

  // Coalesce change notifications to one per tick: a burst of events renders once.
  const changes = changeSignal();
  const changed = () => void (disposed || changes.emit());
  changes.subscribe(() => {
    if (disposed || listeners.size === 0) return; // a snapshot reads files: none for nobody (`offload run`)
    const s = core.state();
    for (const l of listeners) l(s);
  });
  const unsubNotices = notifier.subscribe((n) => {
    open?.phase6.noticed(n);
    for (const l of noticeListeners) l(n);
    changed();
  });

  const load = async (dir: string | null) => {
    ({ project, configProblems, open, cost, machine, machineStore } = await openSession(
      dir,
      { open, machineStore },
      {
        ...opts,
        dataDir,
        env,
        log,
        notifier,
        desktop,
        watch,
        paused,
        now: opts.now ?? Date.now,
        changed,
        onRunEvent: (e) => {
          history.onRunEvent(e);
          for (const l of runListeners) l(e);
          changed();
        },
        run: (w) => core.run(w),
      },
    ));
    history.reset();
  };
  const requireOpen = () => openOrThrow(open, configProblems);
  const trusted = () => Boolean(trustOf(open, dataDir)?.status.trusted);
  /** A command that changes state: subscribers hear of it however it ends. */
  const changing = async <T>(f: () => Promise<T> | T): Promise<T> => {
    try {
      return await f();
    } finally {
      changed();
    }
  };

  const core: Offload = {
    state: () => snapshotOf({ project, open, cost, configProblems, machine, paused, history, notifier, fit }),
    overview: () => overviewOf(project, open),
    subscribe: (l) => addTo(listeners, l),
    onNotice: (l) => addTo(noticeListeners, l),
    onRunEvent: (l) => addTo(runListeners, l),
    async run(workflow: string, o: { waitForLockMs?: number } = {}): Promise<RunSummary> {
      const o2 = requireOpen();
      const summary = await runWorkflow(o2, o2.opened.config, workflow, { ...o, notifier, changed });
      if (watch) await open?.refreshAvailability();
      return summary;
    },
    cancel: async () => open?.engine.cancel(),
    stopModels: (o) => changing(() => stopForUser(machine, o, project?.history, notifier)),
    refreshModels: () => machine.refreshModels(),
    fitModels: (o = {}) =>
      fitForUser(project?.config ?? null, trusted(), { ...o, env, snapshot: machine.snapshot() }),
    actualCost: (o = {}) =>
      actualCostOf(requireOpen().opened.config, { dataDir, env, days: o.days, trusted: trusted() }),
    machineNow: () => machineNowOf(machine),
    async switchConfig(target, o = {}) {
      if (target !== 'aws' && target !== 'local') throw new Error(`switch target must be "aws" or "local"`);
      return changing(() => requireOpen().switchConfig(target, Boolean(o.force)));
    },
    checkAws: () => requireOpen().checkAws(),
    cost: async () => (await cost?.refreshIfDue()) ?? null,
    liveAws: () => open?.liveAws() ?? null,
    errorContext: () => requireOpen().errorContext(),
    journal: (o = {}) => journalLines(project?.history.readJournal(o.limit ?? 2000) ?? [], o.sinceMs),
    acknowledgePhase6: (by) => changing(() => requireOpen().acknowledgePhase6(by)),
    availability: () => requireOpen().refreshAvailability(),
    currentRun: () => open?.engine.current() ?? null,
    config: () => project?.config ?? null,
    history: () => project?.history ?? null,
    dataDir: () => dataDir,
    team: async () => (await requireOpen().teamWatch?.refresh()) ?? null,
    unlockTeam: () => unlockTeamOf(requireOpen()),
    trust: () => trustOf(open, dataDir),
    trustProject: () =>
      changing(async () => {
        const { config } = requireOpen().opened;
        grantTrust(dataDir, trustSubject(config));
        // Reopen: the project's matchers and automatic policy apply from now on.
        await load(config.dir);
      }),
    setMonitoringPaused(p: boolean) {
      paused = Boolean(p);
      machine.setPaused(paused);
      open?.setPaused(paused);
      cost?.setPaused(paused);
      changed();
    },
    async openProject(dir: string) {
      if (open?.engine.current()?.status === 'running')
        throw new Error('a workflow is running; cancel it before switching projects');
      const abs = path.resolve(dir);
      await load(abs);
      settings.write({ ...settings.read(), projectDir: abs });
      changed();
    },
    async initProject(dir: string) {
      const file = await ensureConfigFile(dir);
      await core.openProject(dir);
      return file;
    },
    runLog: async (runId, phase, step) => readStepLog(requireOpen().opened, runId, phase, step),
    async dispose() {
      disposed = true;
      unsubNotices();
      await open?.dispose();
      await machineStore.dispose();
    },
  };
  await load(opts.projectDir === undefined ? (settings.read().projectDir ?? null) : opts.projectDir);
  return core;
}

// --- For the front ends (eslint.config.mjs allows them this module, the vocabulary and formatting only) ---
export { SwitchRefused } from './rule/wire';
export type { Finding, FindingKind } from './init';
/** A starter offload.yml for the project in `dir` and what was found there; its detection loads on first use. */
export async function initConfig(
  ...args: Parameters<typeof import('./init').initConfig>
): Promise<ReturnType<typeof import('./init').initConfig>> {
  return (await import('./init')).initConfig(...args);
}
export { copyToClipboard } from './platform/clipboard';
export { writeFileAtomic } from './platform/atomic-file';
export { readProjectText, writeProjectFile, ProjectFileError } from './boundary/files';
export { durationMs } from './units/duration';
export { findConfig, secretNames } from './config';
export { keptConfigRenewed } from './config/config-cache';
export { resolveDataDir } from './project';
/** `offload ci`'s writers (each CI platform's file, the repository's layout): their code loads on first use. */
export const ciWriters = () => import('./ci/writers');
export type { CiWorkflowInput, CiPlatform } from './ci/plan';
export type { CiLayout } from './ci/repo-layout';
/** Whether stopping a model server needs the user's confirmation first (a user matcher found something unlike one). */
export { confirmationNeeded } from './machine/matcher-breadth';
