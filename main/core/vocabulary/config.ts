/** The loaded, validated offload.yml as the rest of the core sees it. */
import type { PhaseId } from './rule';

/** A place in a config file, 1-based, for error messages (`offload.yml:12:5`); line 0: no place (no file). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** One problem in a config file. `path` is the key path (`phases.local.steps[2].run`). */
export interface ConfigProblem extends SourcePos {
  path: string;
  message: string;
}

/** Thrown (or returned) when a config cannot be used; nothing may run. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `file:line:column`, or the file alone where the problem has no place in it (the file does not exist). */
export function problemPlace(p: SourcePos): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
}

/** One problem as a line: its place, key path and message. */
export function formatProblem(p: ConfigProblem): string {
  return `${problemPlace(p)}: ${p.path ? p.path + ': ' : ''}${p.message}`;
}

/** A step in the config, before interpolation. Exactly one kind key selected `kind`. */
export interface StepConfig {
  /** `id:` if given, else derived from the name (a slug; `-2`, `-3`… on clashes). Unique across the config. */
  id: string;
  name: string;
  kind: string;
  /** Raw value under the kind key (strings may hold `${{ … }}`). */
  spec: unknown;
  /** Kind-specific extra keys (raw). */
  extra: Record<string, unknown>;
  env: Record<string, string>;
  cwd: string | undefined;
  timeoutMs: number | undefined;
  retries: number;
  retryDelayMs: number;
  continueOnError: boolean;
  pos: SourcePos;
}

export interface PhaseConfig {
  id: PhaseId;
  title: string;
  steps: StepConfig[];
}

/** Defaults: keep the last 50 runs and at most 200 MB of history per project. */
export interface HistoryConfig {
  keep: number;
  maxBytes: number;
}

export interface OffloadConfig {
  /** Absolute path of offload.yml. */
  file: string;
  /** The project's root (directory holding offload.yml). */
  dir: string;
  /** sha256 of the file's bytes: part of the source fingerprint. */
  hash: string;
  name: string;
  env: Record<string, string>;
  /** Names of environment variables whose values are secret (masked everywhere). */
  secrets: string[];
  phases: Record<PhaseId, PhaseConfig>;
  /** Entry-point workflows: name -> phases in rule order. */
  workflows: Record<string, PhaseId[]>;
  history: HistoryConfig;
  /**
   * The other top-level sections (`aws`, `models`, `watch`, `gate`, `notify`, `switch`) as written, validated by
   * the schema (trust hashes them). Their typed models, built once at load, are `config.aws`, `config.gate`…:
   * added to this interface by config/sections.ts, which can name the concerns' types.
   */
  sections: Record<string, unknown>;
  /**
   * Paths relative to `dir` that are not part of the source fingerprint because Offload itself writes them
   * (the config switch's files, a data folder inside the project); set when the project is opened.
   */
  fingerprintExclude?: string[];
  /** What is valid but likely wrong (a model matcher that also matches shells), placed like problems. */
  warnings?: ConfigProblem[];
  /**
   * The trust digest (trust/digest.ts) of this model, made when the file was loaded and kept with the model
   * (config/config-cache.ts): a command on an unchanged offload.yml does not hash it again (issue 20).
   */
  trustDigest?: string;
}
