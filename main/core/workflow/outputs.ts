/**
 * Step outputs, GitHub Actions' convention: the step writes `key=value` lines, or `key<<DELIM` … `DELIM` for
 * multi-line values, to the file named in $OFFLOAD_OUTPUT; the engine reads it after the step.
 */

/** Parses an output file's text. Throws with a clear message on a heredoc without its delimiter. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    const hd = line.indexOf('<<');
    if (hd > 0 && (eq < 0 || hd < eq)) {
      const key = line.slice(0, hd).trim();
      const delim = line.slice(hd + 2).trim();
      if (!delim) throw new Error(`$OFFLOAD_OUTPUT line ${i + 1}: '${line}' has no delimiter after <<`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        value.push(lines[i] as string);
      }
      if (!closed) throw new Error(`$OFFLOAD_OUTPUT: output '${key}' has no closing '${delim}' line`);
      out[key] = value.join('\n');
      continue;
    }
    if (eq <= 0)
      throw new Error(`$OFFLOAD_OUTPUT line ${i + 1}: expected key=value or key<<DELIMITER, got '${line}'`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

/** The latest passed run of one step: its outputs (masked: secret values read ***), where and when. */
export interface StepOutputRecord {
  runId: string;
  workflow: string;
  phase: string;
  fingerprint: string;
  at: string;
  outputs: Record<string, string>;
  /** Keys whose value held a secret: stored masked, so they are not usable in a later run. */
  masked?: string[];
}

/** The outputs of every step's latest passed run, kept in the project's state (outputs.json). */
export interface OutputState {
  version: 1;
  steps: Record<string, StepOutputRecord>;
}

/** Where output records are kept (HistoryStore satisfies it). */
export interface OutputStorage {
  readState<T>(name: string): T | undefined;
  writeState(name: string, value: unknown): void;
}

const OUTPUTS_FILE = 'outputs';

/** Reads the project's output records (empty when none or unreadable). */
export function readOutputState(storage: OutputStorage): OutputState {
  const s = storage.readState<OutputState>(OUTPUTS_FILE);
  if (!s || s.version !== 1 || !s.steps || typeof s.steps !== 'object') return { version: 1, steps: {} };
  return s;
}

/**
 * Records a passed step's outputs (re-reading the file first, so records of other steps written meanwhile
 * survive). `outputs` must already be masked: this file is never given a secret value.
 */
export function saveStepOutputs(storage: OutputStorage, stepId: string, record: StepOutputRecord): void {
  const state = readOutputState(storage);
  state.steps[stepId] = record;
  storage.writeState(OUTPUTS_FILE, state);
}
