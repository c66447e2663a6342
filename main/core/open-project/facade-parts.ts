/**
 * The small pieces the facade is assembled from: the state snapshot, the history view (read from disk
 * only when a run starts or ends), a user's run with its failure notice, and the machine-pressure notice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { machinePressure, type MachineWatch } from '../machine';
import { nodeNotifierSink } from '../notify/node-sink';
import { Notifier, type NoticeInput, type NotifySink } from '../notify/notifier';
import { writeFileAtomic } from '../platform/atomic-file';
import { DisposableStore } from '../units/disposable';
import type { OpenedProject } from '../project';
import type { HistoryStore } from '../history';
import type { OffloadState, RunSummary } from '../state';
import type { ConfigProblem, OffloadConfig, PressureAlert, StopOutcome } from '../vocabulary';
import type { ProjectEventData, ProjectJournal } from '../history/project-events';
import type { EngineEvent } from '../workflow/types';
import type { OpenProject } from './open-project';
import type { CostView } from '../aws/cost-view';
import { reliefOf, ruleActionsOf } from './relief-view';
import type { FitCache, FitOptions, FitReport } from '../machine/fit';
import { freeAfterText, freedText } from '../machine/relief';
import { trustStatus, type TrustStatus, type TrustSubject } from '../trust';

/** Adds a listener to a set; returns its unsubscribe. */
export function addTo<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

/** The run history as the state shows it, re-read only when a run starts or ends. */
export class HistoryView {
  /** The last run (null: none); undefined until asked after the project (re)opened. */
  private lastRunId: string | null | undefined = undefined;
  private cache: { list: OffloadState['history']; last: OffloadState['run'] } | null = null;

  constructor(private readonly store: () => HistoryStore | null) {}

  /** A project was (re)opened: its latest run is the last one (read when first asked). */
  reset(): void {
    this.lastRunId = undefined;
    this.cache = null;
  }

  onRunEvent(e: EngineEvent): void {
    if (e.type !== 'run-started' && e.type !== 'run-finished') return;
    if (e.type === 'run-finished') this.lastRunId = e.runId;
    this.cache = null;
  }

  get(): { list: OffloadState['history']; last: OffloadState['run'] } {
    const history = this.store();
    if (!history) return { list: [], last: null };
    if (!this.cache) {
      const list = history.listRuns(20);
      this.lastRunId ??= list[0]?.runId ?? null;
      this.cache = { list, last: this.lastRunId ? history.readRun(this.lastRunId) : null };
    }
    return this.cache;
  }
}

const MAX_NOTICES = 50;

/** The open project, or the reason a command cannot act without one. */
export function openOrThrow(open: OpenProject | null, configProblems: readonly ConfigProblem[]): OpenProject {
  if (open) return open;
  throw new Error(
    configProblems.length
      ? `offload.yml has ${configProblems.length} problem(s); fix them first`
      : 'no project is open: choose a project folder first',
  );
}

/** The open project's trust subject and whether it is trusted now (null without an open project). */
export function trustOf(
  open: OpenProject | null,
  dataDir: string,
): { subject: TrustSubject; status: TrustStatus } | null {
  return open ? { subject: open.trust.subject, status: trustStatus(dataDir, open.trust.subject) } : null;
}

/** What `status` prints of the state (OffloadState's parts: see snapshotOf). */
export function overviewOf(
  project: OpenedProject | null,
  open: OpenProject | null,
): Pick<OffloadState, 'phase6' | 'drift' | 'relief'> {
  return { phase6: open?.phase6.status(), drift: open?.drift ?? null, relief: reliefOf(project?.history) };
}

/** The state snapshot front ends render. */
export function snapshotOf(o: {
  project: OpenedProject | null;
  open: OpenProject | null;
  cost?: CostView | null;
  configProblems: ConfigProblem[];
  machine: MachineWatch;
  paused: boolean;
  history: HistoryView;
  notifier: Notifier;
  /** Will it fit, for the window (absent: one-shot commands compute none). */
  fit?: FitCache | null;
}): OffloadState {
  const { project, open } = o;
  const past = o.history.get();
  const trust = open?.trust;
  return {
    project: project
      ? { dir: project.config.dir, name: project.config.name, configFile: project.config.file }
      : null,
    configProblems: o.configProblems,
    trust: trust
      ? trust.status.trusted
        ? { trusted: true, actions: trust.subject.actions }
        : { trusted: false, reason: trust.status.reason, actions: trust.subject.actions }
      : null,
    ...overviewOf(project, open),
    run: open?.engine.current() ?? past.last,
    history: past.list,
    workflows: open?.workflows ?? [],
    machine: o.machine.snapshot(),
    models: o.machine.models(),
    aws: open?.awsSnapshot() ?? null,
    monitoringPaused: o.paused,
    notices: o.notifier.recent().slice(-MAX_NOTICES),
    ruleActions: ruleActionsOf(project?.history),
    cost: o.cost?.summary() ?? null,
    ...(o.fit ? { fit: o.fit.get(project?.config ?? null, o.machine, trust?.status.trusted === true) } : {}),
    ...(open?.teamWatch ? { team: open.teamWatch.current() } : {}),
  };
}

/** A user's run: trusted and a known workflow first; a failed or blocked run raises a notice. */
export async function runWorkflow(
  open: OpenProject,
  config: OffloadConfig,
  workflow: string,
  o: { waitForLockMs?: number; notifier: Notifier; changed: () => void },
): Promise<RunSummary> {
  open.requireTrust();
  if (typeof workflow !== 'string' || !config.workflows[workflow]) {
    throw new Error(
      `unknown workflow "${String(workflow)}"; offload.yml defines: ${Object.keys(config.workflows).join(', ')}`,
    );
  }
  // The engine checks the gates itself at run start (one fingerprint); run-finished updates the history view.
  const promise = open.engine.run(workflow, { waitForLockMs: o.waitForLockMs });
  o.changed();
  const summary = await promise;
  if (summary.status === 'failed' || summary.status === 'blocked') {
    o.notifier.notify({
      level: 'error',
      title: `${workflow} ${summary.status}`,
      body: summary.reason ?? `the ${workflow} workflow ${summary.status}`,
      target: { view: 'phases', item: summary.runId },
    });
  }
  return summary;
}

/** A machine-pressure alert as a notice; its end is told quietly (the window, never the desktop). */
export function pressureNotice(alert: PressureAlert, phase: 'raised' | 'cleared' = 'raised'): NoticeInput {
  if (phase === 'cleared')
    return {
      level: 'info',
      title: 'Machine pressure over',
      body: `No longer: ${alert.message.split(/(?<=\.) /)[0] ?? alert.message} (since ${alert.since})`,
      target: { view: 'machine' },
      quiet: true,
    };
  return {
    level: 'warning',
    title: 'Machine under pressure',
    body: alert.message,
    target: { view: 'machine', item: alert.id },
  };
}

/** The journal entry for the user's own stop: what was asked, as its reason (a dry run is not journalled). */
export function userStop(
  o: { pids?: number[]; all?: boolean },
  outcomes: StopOutcome[],
): ProjectEventData<'stop-local-models'> {
  const reason = o.all
    ? 'asked by the user: stop all'
    : `asked by the user: stop pid ${(o.pids ?? []).join(', ')}`;
  return { trigger: 'user', reason, outcomes };
}

/** The quiet notice after the user's own stop: what it freed (the window and history, never the desktop). */
export function userStopNotice(outcomes: readonly StopOutcome[]): NoticeInput | undefined {
  const title = freedText(outcomes);
  if (!title) return undefined;
  const free = outcomes.find((o) => o.freeAfter)?.freeAfter;
  return {
    level: 'info',
    title,
    body: free ? freeAfterText(free) : 'stopped at your request',
    target: { view: 'machine' },
    quiet: true,
  };
}

/** The user's own stop (CLI, tray, window): the servers stopped, journalled with the reason, what it freed told. */
export async function stopForUser(
  machine: Pick<MachineWatch, 'stopModelServers'>,
  o: { pids?: number[]; all?: boolean; dryRun?: boolean },
  journal: Pick<HistoryStore, 'appendProjectEvent'> | undefined,
  notifier: Pick<Notifier, 'notify'>,
): Promise<StopOutcome[]> {
  const outcomes = await machine.stopModelServers(o);
  if (o.dryRun) return outcomes;
  journal?.appendProjectEvent('stop-local-models', userStop(o, outcomes));
  const notice = userStopNotice(outcomes);
  if (notice) notifier.notify(notice);
  return outcomes;
}

/**
 * The notifier every notice goes through: subscribers, the caller's sink, and the desktop (node-notifier,
 * built on first use) while `desktop(true)` says the project wants it.
 */
export function createCoreNotifier(
  sink: NotifySink | undefined,
  log: (line: string) => void,
): { notifier: Notifier; desktop(wanted: boolean): void } {
  let desktopSink: NotifySink | undefined;
  let wanted = false;
  const notifier = new Notifier({
    sink: {
      deliver: async (n) => {
        await sink?.deliver(n);
        if (wanted && !n.quiet)
          await (desktopSink ??= nodeNotifierSink({ appName: 'Offload', log })).deliver(n);
      },
    },
  });
  return { notifier, desktop: (w) => void (wanted = w) };
}

/** Wires the machine watch to the state and its pressure alerts to notices; the store stops it. */
export function wireMachine(
  machine: MachineWatch,
  o: { changed: () => void; notifier: Notifier; start: boolean; journal?: () => ProjectJournal | null },
): DisposableStore {
  const store = new DisposableStore();
  store.addFn(() => machine.stop());
  store.addFn(machine.subscribe(o.changed));
  store.addFn(
    machine.onAlert((alert, phase) => {
      o.notifier.notify(pressureNotice(alert, phase));
      try {
        o.journal?.()?.appendProjectEvent('pressure', {
          transition: phase,
          id: alert.id,
          message: alert.message,
          since: alert.since,
        });
      } catch {
        // the notice went out; a journal that cannot be written loses this line only
      }
    }),
  );
  if (o.start) machine.start();
  return store;
}

/** Writes a starter offload.yml into `dir` unless one is there; returns its path. */
export async function ensureConfigFile(dir: string): Promise<string> {
  const file = path.join(path.resolve(dir), 'offload.yml');
  if (!fs.existsSync(file)) {
    const { initConfig } = await import('../init'); // the detection loads only when a project needs one
    writeFileAtomic(file, initConfig(path.resolve(dir)).text);
  }
  return file;
}

/** `offload unlock`: forces the team's deploy lock open; a project without `team:` has none. */
export function unlockTeamOf(open: OpenProject): ReturnType<NonNullable<OpenProject['team']>['unlock']> {
  if (!open.team) throw new Error('offload.yml has no `team:` section: there is no team deploy lock');
  return open.team.unlock();
}

/** The machine's pressure now, with the model servers listed afresh (the last list where that fails). */
export async function machineNowOf(machine: MachineWatch): Promise<ReturnType<typeof machinePressure>> {
  return machinePressure(machine.snapshot(), await machine.refreshModels().catch(() => machine.models()));
}

/**
 * `offload models fit`: the models named, else the project's `models.fit.models`, else every stored model.
 * Names an untrusted offload.yml chose are read against the stores on disk only, never sent to the local Ollama.
 * Its code loads on first use.
 */
export async function fitForUser(
  config: OffloadConfig | null,
  trusted: boolean,
  o: FitOptions,
): Promise<FitReport> {
  const { checkProjectFit } = await import('../machine/fit');
  if (o.names?.length || !config?.models?.fit?.models.length) return checkProjectFit(config, o);
  return checkProjectFit(config, {
    ...o,
    names: config.models.fit.models,
    ...(trusted ? {} : { ollama: null }),
  });
}

/** `offload cost`: what AWS billed the project (Cost Explorer); its code loads on first use. */
export async function actualCostOf(
  ...args: Parameters<typeof import('../aws/cost-actual').projectActualCost>
): ReturnType<typeof import('../aws/cost-actual').projectActualCost> {
  return (await import('../aws/cost-actual')).projectActualCost(...args);
}
