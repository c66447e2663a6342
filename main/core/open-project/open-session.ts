/**
 * Opening a folder as the core's current project, closing what was open first: the project (or its config
 * problems), the machine watch its trust allows, the open project with its watches, and the machine's wiring.
 */
import { projectEffects } from '../boundary';
import { CostView, costScopeOf } from '../aws/cost-view';
import { priceCacheDir } from '../aws/prices';
import type { MachineWatch } from '../machine';
import type { Notifier } from '../notify';
import type { OpenedProject } from '../project';
import { trustStatus, trustSubject } from '../trust';
import type { DisposableStore } from '../units/disposable';
import type { ConfigProblem } from '../vocabulary';
import { warmGitListing } from '../workflow/fingerprint-git';
import { wireMachine } from './facade-parts';
import { machineWatchFor, tryOpenProject } from './open';
import { OpenProject, type OpenProjectOptions } from './open-project';

/** What the core holds for the folder it has open. */
export interface Session {
  project: OpenedProject | null;
  configProblems: ConfigProblem[];
  open: OpenProject | null;
  /** What AWS costs for the last deploy (null without a project). */
  cost: CostView | null;
  machine: MachineWatch;
  /** The machine watch's wiring and the cost view: disposed on reopen and when the core is. */
  machineStore: DisposableStore;
}

/** What opening needs from the core: its options and the callbacks the open project reports through. */
export type SessionContext = Pick<
  OpenProjectOptions,
  'dataDir' | 'env' | 'log' | 'notifier' | 'watch' | 'now' | 'changed' | 'onRunEvent' | 'run'
> &
  Omit<Partial<OpenProjectOptions>, 'project' | 'trust' | 'machine' | 'monitoringPaused'> & {
    configPath?: string;
    strictConfig?: boolean;
    fingerprintSoon?: boolean;
    desktopNotifications?: boolean;
    /** Turns desktop notifications on or off (the project's `notify.desktop`). */
    desktop: (on: boolean) => void;
    paused: boolean;
    notifier: Notifier;
  };

/** Closes `prev` and opens `dir` (null: no project). */
export async function openSession(
  dir: string | null,
  prev: Pick<Session, 'open' | 'machineStore'>,
  c: SessionContext,
): Promise<Session> {
  await prev.open?.dispose();
  await prev.machineStore.dispose();
  const { project, configProblems } = tryOpenProject(dir, { ...c, strict: c.strictConfig });
  // git answers the fingerprint's first questions while the rest opens
  if (project && c.fingerprintSoon) warmGitListing(project.config.dir);
  const subject = project ? trustSubject(project.config) : null;
  const trustNow = subject ? trustStatus(c.dataDir, subject) : null;
  const trusted = trustNow?.trusted ?? false;
  const machine = machineWatchFor(project, trusted, c.env);
  let open: OpenProject | null = null;
  let cost: CostView | null = null;
  if (project && subject && trustNow) {
    c.desktop(Boolean(c.desktopNotifications) && project.config.notify.desktop);
    const view = (cost = costViewFor(project, c, () => trustStatus(c.dataDir, subject).trusted));
    // A new deploy is priced at once where something watches (a one-shot `offload run` asks nothing).
    const onRunEvent: SessionContext['onRunEvent'] = (e) => {
      c.onRunEvent(e);
      if (c.watch && e.type === 'run-finished') void view.refreshIfDue();
    };
    open = new OpenProject({
      ...c,
      // the team's code (its bucket, lock and records) loads only for a project that has one
      ...(project.config.team ? { teamCode: await import('../team/team-open') } : {}),
      onRunEvent,
      project,
      trust: subject,
      trustNow,
      machine,
      monitoringPaused: c.paused,
    });
    if (c.watch) {
      await open.startWatches();
      view.setPaused(c.paused);
      view.start();
    }
  }
  const machineStore = wireMachine(machine, {
    changed: c.changed,
    notifier: c.notifier,
    start: c.watch && !c.paused,
    journal: () => project?.history ?? null,
  });
  // Closed with the session's other watches (the store is disposed on reopen and when the core is).
  if (cost) machineStore.add(cost);
  // One-shot commands ask for availability when they need it (one fingerprint, not two).
  if (c.watch) await open?.refreshAvailability();
  return { project, configProblems, open, cost, machine, machineStore };
}

/** The cost view of the project: its gate services priced, AWS asked through the boundary (trust at each use). */
function costViewFor(project: OpenedProject, c: SessionContext, trusted: () => boolean): CostView {
  const { config, history } = project;
  const effects = projectEffects({ trusted, env: c.env, project: config });
  return new CostView({
    history,
    dataDir: priceCacheDir(c.dataDir, config.aws.endpoint),
    scope: costScopeOf(config),
    clients: () =>
      effects.awsRefusal(config.aws) ?? effects.awsClients(config.aws, { ...c.env, ...config.env }),
    now: c.now,
    notify: (n) => c.notifier.notify(n),
    changed: c.changed,
  });
}
