/** What the engine holds about the run in progress, shared by the engine and the step runner. */
import type { RunSnapshot } from '../state';
import type { OutputTail } from './output-tail';
import type { PhaseId } from './types';

/** The engine's state of one run, from its start until it finished. */
export interface ActiveRun {
  runId: string;
  /** The ids of the steps of the phases this run runs (a reference to any other step uses an earlier run's outputs). */
  stepIds: Set<string>;
  abort: AbortController;
  snap: RunSnapshot | null;
  /** The last output of the current step. */
  tail: OutputTail;
  /** The run's private folder for step scripts and output files (set when the run's history opens). */
  tempDir?: string;
  /** Secret names whose values are too short to mask, said once in the first step's log. */
  shortSecrets?: string[];
  /** Why the run's history could not be written (disk full…), once it could not. */
  historyError?: string;
  /** Evidence the steps recorded (deploy steps say what they deployed). */
  records: { phase: PhaseId; step: string; kind: string; data: unknown }[];
  /** How long the run waits for another run's lock (the project's, the team's environment lock). */
  waitForLockMs?: number;
}
