/**
 * The one object front ends (tray, window, CLI) use: snapshots of state, a subscription, and commands.
 * State flows core -> snapshot -> front ends; commands flow back and are validated where they enter.
 */
import type {
  AwsSnapshot,
  ConfigProblem,
  DriftState,
  MachineSnapshot,
  ModelProcess,
  Notice,
  Phase6State,
  PhaseId,
  ProjectInfo,
  RunSnapshot,
  RunSummary,
  StopOutcome,
  WorkflowAvailability,
} from './vocabulary';

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
}

export interface OffloadCore extends OffloadCommands {
  state(): OffloadState;

  /** Called on every state change (coalesced per tick); returns an unsubscribe function. */
  subscribe(listener: (state: OffloadState) => void): () => void;
  /** Called for each notice the core raises (front ends show it their way). */
  onNotice(listener: (notice: Notice) => void): () => void;
  dispose(): Promise<void>;
}
