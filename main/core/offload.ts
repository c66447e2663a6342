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
import { OpenProject } from './open-project/open-project';
import { machineWatchFor, readStepLog, SettingsFile, tryOpenProject } from './open-project/open';
import { resolveDataDir, type OpenedProject } from './project';
import { grantTrust, trustSubject } from './trust';
import type { Offload, OffloadState, RunSummary } from './state';
import type { EngineEvent } from './workflow/types';
import type { Notice } from './vocabulary';
import { changeSignal } from './change-signal';
import {
  addTo,
  openOrThrow,
  createCoreNotifier,
  ensureConfigFile,
  HistoryView,
  runWorkflow,
  snapshotOf,
  wireMachine,
} from './open-project/facade-parts';
import { DisposableStore } from './units/disposable';
import { trustStatus as trustStatusOf } from './trust';

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
  let configProblems: OffloadState['configProblems'] = [];
  let machine: MachineWatch = machineWatchFor(null, false, env);
  let machineStore = new DisposableStore();
  let paused = false;
  let disposed = false;
  const history = new HistoryView(() => project?.history ?? null);

  // Coalesce change notifications to one per tick: a burst of events renders once.
  const changes = changeSignal();
  const changed = () => void (disposed || changes.emit());
  changes.subscribe(() => {
    if (disposed) return;
    const s = core.state();
    for (const l of listeners) l(s);
  });
  const unsubNotices = notifier.subscribe((n) => {
    open?.phase6.noticed(n);
    for (const l of noticeListeners) l(n);
    changed();
  });

  const load = async (dir: string | null) => {
    await open?.dispose();
    await machineStore.dispose();
    open = null;
    ({ project, configProblems } = tryOpenProject(dir, { ...opts, dataDir, env, strict: opts.strictConfig }));
    const subject = project ? trustSubject(project.config) : null;
    const trusted = subject ? trustStatusOf(dataDir, subject).trusted : false;
    machine = machineWatchFor(project, trusted, env);
    if (project && subject) {
      desktop(Boolean(opts.desktopNotifications) && project.config.notify.desktop);
      open = new OpenProject({
        ...opts,
        project,
        trust: subject,
        dataDir,
        env,
        log,
        notifier,
        machine,
        watch,
        monitoringPaused: paused,
        now: opts.now ?? Date.now,
        changed,
        onRunEvent: (e) => {
          history.onRunEvent(e);
          for (const l of runListeners) l(e);
          changed();
        },
        run: (w) => core.run(w),
      });
    }
    machineStore = wireMachine(machine, { changed, notifier, start: watch && !paused });
    // One-shot commands ask for availability when they need it (one fingerprint, not two).
    if (watch) await open?.refreshAvailability();
    history.reset();
  };
  const requireOpen = () => openOrThrow(open, configProblems);

  const core: Offload = {
    state: () => snapshotOf({ project, open, configProblems, machine, paused, history, notifier }),
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
    async stopModels(o) {
      const outcomes = await machine.stopModelServers(o);
      project?.history.appendProjectEvent('stop-local-models', { trigger: 'user', outcomes });
      changed();
      return outcomes;
    },
    refreshModels: () => machine.refreshModels(),
    async switchConfig(target, o = {}) {
      if (target !== 'aws' && target !== 'local') throw new Error(`switch target must be "aws" or "local"`);
      try {
        return await requireOpen().switchConfig(target, Boolean(o.force));
      } finally {
        changed();
      }
    },
    checkAws: () => requireOpen().checkAws(),
    liveAws: () => open?.liveAws() ?? null,
    errorContext: () => requireOpen().errorContext(),
    availability: () => requireOpen().refreshAvailability(),
    currentRun: () => open?.engine.current() ?? null,
    config: () => project?.config ?? null,
    history: () => project?.history ?? null,
    dataDir: () => dataDir,
    trust: () =>
      open ? { subject: open.trust.subject, status: trustStatusOf(dataDir, open.trust.subject) } : null,
    async trustProject() {
      const { config } = requireOpen().opened;
      grantTrust(dataDir, trustSubject(config));
      // Reopen: the project's matchers and automatic policy apply from now on.
      await load(config.dir);
      changed();
    },
    setMonitoringPaused(p: boolean) {
      paused = Boolean(p);
      machine.setPaused(paused);
      open?.setPaused(paused);
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
      const file = ensureConfigFile(dir);
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
export { initConfig } from './init';
export { copyToClipboard } from './platform/clipboard';
export { writeFileAtomic } from './platform/atomic-file';
export { durationMs } from './units/duration';
/** Whether stopping a model server needs the user's confirmation first (a user matcher found something unlike one). */
export { confirmationNeeded } from './machine/matcher-breadth';
