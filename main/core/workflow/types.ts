/**
 * The rule's vocabulary, shared by every concern: phases, statuses, run events and the step-kind contract.
 * Step kinds are data plus one function each; the engine knows nothing about any particular kind.
 */

/** The six phases of the rule, in the order the rule runs them. */
export const PHASES = ['local', 'aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'] as const;
export type PhaseId = (typeof PHASES)[number];

/** Human titles of the phases, as the team's rule names them. */
export const PHASE_TITLES: Record<PhaseId, string> = {
  local: 'Local build, tests and dev-system check',
  'aws-prepare': 'AWS preparation',
  'aws-deploy': 'AWS deployment',
  'aws-test': 'AWS testing',
  shutdown: 'Dev-system shutdown',
  monitor: 'Issue resolution (monitoring)',
};

/** Phases that touch AWS: none may start unless the local phase passed on the same fingerprint. */
export const AWS_PHASES: readonly PhaseId[] = ['aws-prepare', 'aws-deploy', 'aws-test'];

/** The built-in entry points: the daily local loop, then the rule's five (the team's scripts). */
export const ENTRY_POINTS = ['local', 'full', 'services', 'infrastructure', 'test', 'shutdown'] as const;

/** Status of a step, a phase or a run. `failed` with reason `interrupted` is what a crash leaves. */
export type Status = 'pending' | 'running' | 'passed' | 'failed' | 'cancelled' | 'blocked';

export const STATUS_ICON: Record<Status, string> = {
  pending: '·',
  running: '⏳',
  passed: '✅',
  failed: '❌',
  cancelled: '⊘',
  blocked: '⛔',
};

/** Outcome of one attempt of a step, as returned by its kind. */
export interface StepResult {
  status: 'passed' | 'failed';
  /** One line for the status display ("HTTP 200 in 41 ms", "exit code 1"). */
  summary?: string;
  /** Outputs published by the step in addition to those written to $OFFLOAD_OUTPUT. */
  outputs?: Record<string, string>;
}

/** What a running step may use. Everything that touches the world is here so tests can control it. */
export interface StepContext {
  runId: string;
  projectDir: string;
  phase: PhaseId;
  stepId: string;
  attempt: number;
  /** Aborted on cancel or timeout; kinds must stop promptly (kill process trees, abort requests). */
  signal: AbortSignal;
  /** Environment for the step: process env + config env + step env, already interpolated. */
  env: Record<string, string>;
  /** Working directory (absolute). */
  cwd: string;
  /** Writes a line (or chunk) to the step's log and live listeners. Secrets are masked by the engine. */
  log(text: string, stream?: 'stdout' | 'stderr' | 'info'): void;
  /**
   * A writable for a child's stdout/stderr (masked, line-buffered, with backpressure: pipe into it). Absent
   * when a test builds a context by hand; kinds then fall back to `log`.
   */
  output?(stream: 'stdout' | 'stderr'): NodeJS.WritableStream;
  /** Publishes an output for later steps (`${{ steps.<id>.outputs.<key> }}`). */
  setOutput(key: string, value: string): void;
  /** Adds a value to mask in every later log and history line (`::add-mask::` in Actions). */
  addMask(value: string): void;
  /** Records structured evidence (health responses, stop results…) in the run history. */
  record(kind: string, data: unknown): void;
  /** Shared services (AWS clients, machine watch, notifier) supplied by the composition root. */
  services: StepServices;
}

/**
 * Services a step kind may need, filled in by the composition root (main/core/offload.ts).
 * Concerns add optional members here; a kind that needs an absent one fails with a clear message.
 */
export interface StepServices {
  [name: string]: unknown;
}

/** A JSON Schema fragment (kept loose on purpose: Ajv validates it). */
export type JsonSchema = Record<string, unknown>;

/**
 * A step kind: registered once in main/core/registry.ts; adding one touches one file plus that line.
 * In offload.yml a step names its kind by having exactly one kind key, e.g. `run: npm test` or `http: {url: …}`.
 */
export interface StepKind<Spec = unknown> {
  /** The YAML key that selects this kind (`run`, `http`, `tcp`, `ecs-deploy`…). */
  key: string;
  /** JSON Schema of the value under `key`. */
  schema: JsonSchema;
  /** Extra step-level keys this kind accepts besides the common ones (e.g. `shell` for run). */
  extraKeys?: Record<string, JsonSchema>;
  /** One-line description for displays, from the (interpolated) step. */
  describe(step: ResolvedStep<Spec>): string;
  /** Runs one attempt. Throwing is treated as failed with the error's message. */
  execute(ctx: StepContext, step: ResolvedStep<Spec>): Promise<StepResult>;
}

/** A step as the engine hands it to its kind: interpolation done, common keys parsed. */
export interface ResolvedStep<Spec = unknown> {
  id: string;
  name: string;
  kind: string;
  /** The interpolated value under the kind key. */
  spec: Spec;
  /** Extra keys of the kind (interpolated), e.g. { shell: 'bash' }. */
  extra: Record<string, unknown>;
  timeoutMs: number | undefined;
}

/** Every transition is an event; front ends subscribe to them. Persisted ones go to events.jsonl. */
export type RunEvent =
  | {
      type: 'run-started';
      runId: string;
      at: string;
      workflow: string;
      project: { name: string; dir: string; configFile: string };
      fingerprint: string;
      phases: { id: PhaseId; title: string; steps: { id: string; name: string; kind: string }[] }[];
      pid: number;
    }
  | { type: 'phase'; runId: string; at: string; phase: PhaseId; status: Status; reason?: string }
  | {
      type: 'step';
      runId: string;
      at: string;
      phase: PhaseId;
      step: string;
      status: Status;
      reason?: string;
      summary?: string;
      attempt?: number;
      outputs?: Record<string, string>;
      durationMs?: number;
    }
  | { type: 'record'; runId: string; at: string; phase: PhaseId; step: string; kind: string; data: unknown }
  | { type: 'run-finished'; runId: string; at: string; status: Status; reason?: string; durationMs: number };

/** Live-only event (not in events.jsonl; the text goes to the step's log file). */
export interface StepOutputEvent {
  type: 'output';
  runId: string;
  phase: PhaseId;
  step: string;
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
}

export type EngineEvent = RunEvent | StepOutputEvent;
