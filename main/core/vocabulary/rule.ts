/**
 * The rule's words, below every concern: phases, entry points, statuses, run events and the JSON Schema type.
 * Imports nothing, so config, history, workflow, aws, machine and the front ends can all build on it.
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

/**
 * A step named "TODO: …" is a placeholder for the user to fill in (offload init writes them where it cannot
 * guess): it fails on purpose, and front ends show its failure as "to fill in", not as something broken.
 */
export const isTodoStep = (name: string): boolean => /^TODO:/i.test(name.trim());

/** The icon of a TODO step that failed on purpose: to fill in, not broken. */
export const TODO_ICON = '📝';

/** A JSON Schema fragment (kept loose on purpose: Ajv validates it). */
export type JsonSchema = Record<string, unknown>;

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
      /** The writer's start time (platform units, e.g. Linux ticks since boot): with pid, survives pid reuse. */
      pidStart?: number;
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
