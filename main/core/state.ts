/**
 * The one object front ends (tray, window, CLI) use: snapshots of state, a subscription, and commands.
 * State flows core -> snapshot -> front ends; commands flow back and are validated where they enter.
 */
import type {
  AwsSnapshot,
  ConfigProblem,
  CostSummary,
  DriftState,
  MachineSnapshot,
  ModelProcess,
  Notice,
  Phase6State,
  PhaseId,
  ProjectInfo,
  ReliefSummary,
  RunSnapshot,
  RunSummary,
  StopOutcome,
  WorkflowAvailability,
} from './vocabulary';
import type { HistoryStore } from './history';
import type { JournalLine } from './history/journal-text';
import type { RuleActionLine } from './vocabulary';
import type { MachinePressure } from './machine/pressure-now';
export type { MachinePressure } from './machine/pressure-now';
import type { FitReport, FitView } from './machine/fit';
import type { ActualCost } from './aws/cost-actual';
export type { ActualCost, ActualDay } from './aws/cost-actual';
export type { FitReport, FitRow, FitView, FitViewRow } from './machine/fit';
export type { JournalLine } from './history/journal-text';
import type { AwsGateView } from './open-project/open-project';
import type { SwitchOutcome } from './rule/wire';
import type { TrustStatus, TrustSubject } from './trust';
import type { EngineEvent } from './workflow/types';
import type { OffloadConfig } from './vocabulary';

/** The snapshot types live in the vocabulary (below every concern); front ends keep importing them from here. */
export type * from './vocabulary/state';

/** Whether the user trusts the open project as it is now, and what it would run, write or stop. */
export interface ProjectTrust {
  trusted: boolean;
  /** Why not: never trusted, or offload.yml changed what it runs since. */
  reason?: 'never' | 'changed';
  actions: string[];
}

export interface OffloadState {
  project: ProjectInfo | null;
  /** Null without a project. Untrusted, the project is read-only: nothing runs until the user trusts it. */
  trust?: ProjectTrust | null;
  configProblems: ConfigProblem[];
  run: RunSnapshot | null;
  history: RunSummary[];
  workflows: WorkflowAvailability[];
  machine: MachineSnapshot | null;
  models: ModelProcess[];
  aws: AwsSnapshot | null;
  monitoringPaused: boolean;
  notices: Notice[];
  /** Phase 6 for the latest deployment (absent without a project). */
  phase6?: Phase6State;
  /** Set when the source differs from the last deployment that passed AWS testing. */
  drift?: DriftState | null;
  /** What stopping local models freed (last stop, today, this week), from the journal; absent without a project. */
  relief?: ReliefSummary | null;
  /** Will the configured models fit if the tools go back to local (beside the window's Back to local). */
  fit?: FitView | null;
  /** The rule's latest actions, newest first (the window shows them beside the runs). */
  ruleActions?: RuleActionLine[];
  /** What AWS costs for the last deploy (cached; a snapshot never asks AWS); absent or null without one. */
  cost?: CostSummary | null;
  /** The team's view (offload.yml `team:`), refreshed every minute and after each run; absent without one. */
  team?: TeamView | null;
}

/** Commands the front ends may send. Each is validated where it enters the core. */
export interface OffloadCommands {
  run(workflow: string): Promise<RunSummary>;
  cancel(): Promise<void>;
  stopModels(opts: { pids?: number[]; all?: boolean; dryRun?: boolean }): Promise<StopOutcome[]>;
  switchConfig(target: 'local' | 'aws'): Promise<unknown>;
  /** Trusts the open project as it is now (the user said so: a prompt, a Trust button, `offload trust --yes`). */
  trustProject(): Promise<void>;
  setMonitoringPaused(paused: boolean): void;
  openProject(dir: string): Promise<void>;
  initProject(dir: string): Promise<string>;
  runLog(runId: string, phase: PhaseId, step: string): Promise<string>;
  /**
   * The cause of phase 6's errors is resolved: the quiet period restarts now without a redeploy (recorded in
   * the journal). Throws with the reason when nothing is unstable or an alarm is still in ALARM.
   */
  acknowledgePhase6(by: 'cli' | 'tray' | 'window'): Promise<Phase6State>;
}

/**
 * The one facade every front end (tray, window, CLI, `offload watch`) talks to: state snapshots, subscriptions
 * and commands. Nothing behind it is handed out; read-only views (config, history) are data.
 */
export interface Offload extends OffloadCommands {
  state(): OffloadState;
  /**
   * The parts of the state a one-shot `status` prints beside its own reads: the phase 6 watch, the drift from
   * what AWS runs and the relief the rule gave (the whole state also reads the run history and more).
   */
  overview(): Pick<OffloadState, 'phase6' | 'drift' | 'relief'>;
  /** Called on every state change (coalesced per tick); returns an unsubscribe function. */
  subscribe(listener: (state: OffloadState) => void): () => void;
  /** Called for each notice the core raises (front ends show it their way). */
  onNotice(listener: (notice: Notice) => void): () => void;
  /** Runs an entry point; `waitForLockMs` waits that long for another run on the project to finish first. */
  run(workflow: string, opts?: { waitForLockMs?: number }): Promise<RunSummary>;
  /**
   * Points the dev config at AWS (only while the gate is ready, unless `force`) or back at local (starting and
   * verifying the local model servers); throws SwitchRefused or an Error with the reason.
   */
  switchConfig(target: 'local' | 'aws', opts?: { force?: boolean }): Promise<SwitchOutcome>;
  /**
   * What AWS costs for the last deploy: from the kept estimate, AWS asked only when it is 15 minutes old or a
   * deploy happened since (null without a project).
   */
  cost(): Promise<CostSummary | null>;
  /** The AWS gate now: the running watch's, a live watch's in another process, or one round asked now. */
  checkAws(): Promise<AwsGateView>;
  /** The gate of a watch running on this project (this process's, the tray's or `offload watch`'s), asking AWS nothing. */
  liveAws(): AwsGateView | null;
  /** Which entry points the gates allow now (fingerprints the source). */
  availability(): Promise<WorkflowAvailability[]>;
  /** The running (or last) run of this process, live. */
  currentRun(): RunSnapshot | null;
  /**
   * Every engine event of runs started through this core (progress views). An output event's text is
   * readable during the call only (a step's output may be a view of a buffer the engine reuses).
   */
  onRunEvent(listener: (event: EngineEvent) => void): () => void;
  /** The open project's parsed offload.yml (read-only), or null. */
  config(): OffloadConfig | null;
  /** The open project's run history, read-only, or null. */
  history(): HistoryReader | null;
  /** Where Offload keeps its data (history, settings, trust). */
  dataDir(): string;
  /** The model servers running now (the project's matchers once trusted, else the defaults). */
  refreshModels(): Promise<ModelProcess[]>;
  /**
   * The latest CloudWatch errors as Markdown (surrounding lines from the same stream, the deployment, service
   * events, alarm reasons, console links), secrets masked: for an issue or an assistant.
   */
  errorContext(): Promise<string>;
  /**
   * What the rule, the watches and the user did, oldest first (written at or after `sinceMs` when given):
   * gate changes with their observations, stops and how, switches, verifications, offers, errors, pressure.
   */
  journal(o?: { sinceMs?: number; limit?: number }): JournalLine[];
  /** The machine's pressure now (memory, CPU, alerts) and the model servers using the most, with the rule's action. */
  machineNow(): Promise<MachinePressure>;
  /** Will it fit: each stored model's need (from its GGUF header) against the RAM and VRAM free now. */
  fitModels(o?: { names?: string[]; ctx?: number }): Promise<FitReport>;
  /** What AWS billed for the project's tagged resources over the last days (Cost Explorer, cached an hour). */
  actualCost(o?: { days?: number }): Promise<ActualCost>;
  /** The team's view (last deploy per environment, the deploy lock's holder); null without `team:` in offload.yml. */
  team(): Promise<TeamView | null>;
  /** Forces the environment's deploy lock open (`offload unlock`): who held it, or undefined when none did. */
  unlockTeam(): Promise<string | undefined>;
  /** Whether the user trusts the open project as it is now, and what it would run; null without a project. */
  trust(): { subject: TrustSubject; status: TrustStatus } | null;
  dispose(): Promise<void>;
}

/** What the team's bucket says about the project: the last deploy of each environment and who holds the lock. */
export interface TeamView {
  evidence: string;
  environment: string;
  lock: {
    who: string;
    where: string;
    since: string;
    runId: string;
    workflow: string;
    leaseUntil: string;
    stale: boolean;
  } | null;
  lastDeploys: {
    environment: string;
    who: string;
    where: string;
    at: string;
    status: string;
    workflow: string;
    runId: string;
    commit?: string;
    deployed: string[];
    /** The source it deployed, and whether its aws-deploy phase passed (then it is what AWS runs). */
    fingerprint?: string;
    deployPassed?: boolean;
    /** The deployer's AWS caller identity (ARN), when its run knew it. */
    awsIdentity?: string;
  }[];
  /** Teammates' (and CI's) recent failed runs of this project, newest first; not this user's own. */
  failedRuns?: TeamFailedRun[];
  /** Why the bucket could not be read (expired SSO, AccessDenied naming the action, offline). */
  unreachable?: string;
  /** Records that were skipped, each with why (malformed, foreign). */
  skipped: string[];
}

/** A failed run of someone else on the team: who, where, when, and which phase failed. */
export interface TeamFailedRun {
  who: string;
  where: string;
  at: string;
  workflow: string;
  runId: string;
  environment: string;
  failedPhase?: string;
  commit?: string;
  awsIdentity?: string;
}

/** The history a front end may read. */
export type HistoryReader = Pick<
  HistoryStore,
  'listRuns' | 'scanRuns' | 'readRun' | 'latestRun' | 'stepLogPath' | 'readState'
>;

/** The machine watch's commands, as the CLI's `models` command takes them. */
export type { MachineWatch } from './machine';
