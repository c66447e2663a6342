/**
 * The step-kind contract: what a kind is (data plus one function), what a running step may use, and the
 * services the composition root hands it. Step kinds are registered in main/core/registry.ts; the engine
 * knows nothing about any particular kind.
 */
import type { OffloadConfig } from './config';
import type { JsonSchema, PhaseId } from './rule';

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
  /**
   * A private folder (0700, in Offload's data folder) for the step's temporary files, removed when the run
   * ends and, after a crash, at the next run; absent when a test builds a context by hand (use os.tmpdir()).
   */
  tempDir?: string;
  /** Writes a line to the step's log and live listeners (a missing newline is added). Secrets are masked by the engine. */
  log(text: string, stream?: 'stdout' | 'stderr' | 'info'): void;
  /**
   * A writable for a child's stdout/stderr (masked, line-buffered, with backpressure: pipe into it). Absent
   * when a test builds a context by hand; kinds then fall back to `log`.
   */
  output?(stream: 'stdout' | 'stderr'): NodeJS.WritableStream;
  /**
   * A file descriptor for a child's stdout and stderr: the step's log file itself, so output reaches the disk
   * at the disk's speed with no copy through JavaScript (the engine reads it back for the live view).
   * Undefined when output must be masked before it is written (a secret is known): use `output` then. Valid
   * until `execute` settles.
   */
  outputFd?(): number | undefined;
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
 * Services a step kind may need, filled in by the composition root (main/core/services.ts, offload.ts). Every
 * member is optional: a kind that needs an absent one builds its own or fails with a clear message.
 * The members below need only the vocabulary. A concern whose service type lives in its own folder adds its
 * member beside that type (`declare module '../vocabulary/step-kind'`): history the store, machine the watch,
 * notify the notifier, aws the clients. So the contract is typed end to end and this layer imports nothing
 * above it.
 */
export interface StepServices {
  /** The project's offload.yml; kinds read their concern's typed section from it (`config.aws`). */
  config?: OffloadConfig;
  /** The environment the services were built with (a step's own env is `ctx.env`). */
  env?: NodeJS.ProcessEnv;
  /** Offload's app-data folder (history, rule state); absent: the platform's default. */
  dataDir?: string;
}

/**
 * A step kind: registered once in main/core/registry.ts; adding one touches one file plus that line.
 * In offload.yml a step names its kind by having exactly one kind key, e.g. `run: npm test` or `http: {url: …}`.
 */
export interface StepKind<Spec = unknown> {
  /** The YAML key that selects this kind (`run`, `http`, `tcp`, `ecs-deploy`…). */
  key: string;
  /** JSON Schema of the value under `key`. */
  schema: JsonSchema;
  /**
   * The phases a step of this kind may be in, set in the kind's own file with the reason. The rule's gates look
   * only at phase names (AWS phases after a local pass, shutdown after AWS testing, the team's lock on
   * aws-prepare and aws-deploy), so a kind is allowed only where those gates cover what it does: a deployment
   * in `local` would reach AWS before the local tests, a stop of the local models in `aws-prepare` would
   * sidestep the shutdown gate. `offload validate` and every load refuse a step elsewhere, at the step
   * (kindPhaseProblem); the engine refuses to run one too.
   */
  phases: readonly PhaseId[];
  /** Extra step-level keys this kind accepts besides the common ones (e.g. `shell` for run). */
  extraKeys?: Record<string, JsonSchema>;
  /**
   * For a kind whose spec is a script run by a shell: the `shell:` the step names (its extra keys, before
   * interpolation; undefined: the default shell). The engine then passes each `${{ … }}` of the script as an
   * environment variable the script references, never as text (main/core/boundary/spawn.ts).
   */
  scriptShell?(extra: Record<string, unknown>): unknown;
  /**
   * The checks `execute` makes on its spec before it touches anything, as problems in words (empty: none):
   * `offload validate` and every load run them on each spec without `${{ }}`, so a config that validates is
   * not refused by the step after an earlier phase deployed. `execute` calls the same function.
   */
  check?(spec: Spec, config: OffloadConfig): string[];
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

/**
 * Why a step of `kind` may not be in `phase` (one sentence naming the kind, the phase and the phases it may be
 * used in), or undefined when it may. A kind that declares no phases may be in none.
 */
export function kindPhaseProblem(
  kind: { key: string; phases?: readonly PhaseId[] },
  phase: PhaseId,
): string | undefined {
  const phases = kind.phases ?? [];
  if (phases.includes(phase)) return undefined;
  const where = phases.length
    ? `${kind.key} may only be used in ${phases.join(', ')}`
    : `${kind.key} declares no phase it may be used in`;
  return `step kind '${kind.key}' is not allowed in phase ${phase}: ${where}. The rule's gates are checked per phase, so a step outside its phases would skip them: move it to one of those phases`;
}
