/**
 * Step outputs, GitHub Actions' convention: the step writes `key=value` lines, or `key<<DELIM` … `DELIM` for
 * multi-line values, to the file named in $OFFLOAD_OUTPUT; the engine reads it after the step. Outputs are
 * also carried between runs: a passed step's outputs are kept (masked) so that a later run skipping its phase
 * can still use them.
 */
import { scanExpressions } from '../config/interpolate';
import { suggest } from './phase-gates';
import type { Masker } from './mask';
import type { PhaseId } from './types';

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

/** What a run keeps of one passed step, besides its outputs. */
export interface PassedStep {
  stepId: string;
  runId: string;
  workflow: string;
  phase: PhaseId;
  fingerprint: string;
  at: string;
}

/** A passed step's outputs, to keep for later runs. */
export interface OutputsToKeep {
  step: PassedStep;
  outputs: Record<string, string>;
}

/**
 * Keeps passed steps' outputs for later runs that skip their phase (one write for all of them: the engine
 * keeps a phase's at its end, so a long phase of small steps does not write the file step by step): masked,
 * keys too; an output that held a secret is marked so that a later run refuses to use it rather than use ***.
 */
export function keepStepOutputs(
  storage: OutputStorage,
  kept: readonly OutputsToKeep[],
  masker: Masker,
): void {
  if (!kept.length) return;
  const state = readOutputState(storage);
  for (const { step, outputs } of kept) {
    const record: Record<string, string> = {};
    const masked: string[] = [];
    for (const [k, v] of Object.entries(outputs)) {
      const mk = masker.mask(k);
      const mv = masker.mask(v);
      record[mk] = mv;
      if (mv !== v || mk !== k) masked.push(mk);
    }
    const { stepId, ...where } = step;
    state.steps[stepId] = { ...where, outputs: record, ...(masked.length ? { masked } : {}) };
  }
  storage.writeState(OUTPUTS_FILE, state);
}

export interface CarriedOutputsQuery {
  /** The step's fields before interpolation (spec, extra keys, env, cwd). */
  raw: unknown;
  /** Outputs of the steps that passed in this run so far. */
  passed: Record<string, Record<string, string>>;
  /** Ids of the steps of the phases this run runs. */
  stepsOfThisRun: ReadonlySet<string>;
  storage: OutputStorage;
  /**
   * This run's source fingerprint: outputs a step made from another source (an image built before the last
   * edit) are refused, so a deploy never ships an older build as if it were the tested source.
   */
  fingerprint?: string;
  /** The project's phases (which steps each holds) and workflows (to name the command that runs a step). */
  phases: Partial<Record<PhaseId, { steps: readonly { id: string }[] }>>;
  workflows: Record<string, readonly PhaseId[]>;
}

/**
 * Outputs of the steps a step refers to that are not part of this run: those of each one's latest passed
 * run, with a note for the step's log. Throws (naming the step and the command that produces it) when such
 * a step never passed, when one of its outputs held a secret, or when a step of this run that it refers to
 * has no outputs yet.
 */
export function carriedOutputs(q: CarriedOutputsQuery): {
  steps: Record<string, Record<string, string>>;
  notes: string[];
} {
  const refs = new Map<string, string[]>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!v.includes('${{')) return;
      for (const m of scanExpressions(v)) {
        if (m.ref?.context !== 'steps') continue;
        refs.set(m.ref.step, [...(refs.get(m.ref.step) ?? []), m.ref.key]);
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(q.raw);
  const steps: Record<string, Record<string, string>> = {};
  const notes: string[] = [];
  let state: OutputState | undefined;
  for (const [id, keys] of refs) {
    if (q.passed[id]) continue;
    const expr = `\${{ steps.${id}.outputs.${keys[0]} }}`;
    if (q.stepsOfThisRun.has(id)) {
      throw new Error(
        `${expr}: step '${id}' is part of this run but has not passed in it, so it has no outputs yet`,
      );
    }
    state ??= readOutputState(q.storage);
    const rec = state.steps[id];
    if (!rec) {
      const phase = (Object.keys(q.phases) as PhaseId[]).find((p) =>
        q.phases[p]?.steps.some((s) => s.id === id),
      );
      const how = phase ? suggest(q.workflows, [phase]) : 'run a workflow that includes it';
      throw new Error(
        `${expr}: step '${id}'${phase ? ` (${phase})` : ''} has never passed, so it has no outputs to use: ${how} first`,
      );
    }
    const secretKey = keys.find((k) => rec.masked?.includes(k));
    if (secretKey) {
      throw new Error(
        `\${{ steps.${id}.outputs.${secretKey} }}: output '${secretKey}' of step '${id}' (run ${rec.runId}) held a secret, and secrets are not kept across runs; pass it through the environment (\`secrets:\`) instead`,
      );
    }
    if (q.fingerprint !== undefined && rec.fingerprint !== q.fingerprint) {
      const phase = rec.phase as PhaseId;
      throw new Error(
        `${expr}: step '${id}' (${phase}) last passed on an older source (run ${rec.runId}, ${rec.at}): what it made does not hold the changes since, and this run would ship it as if it did. ${capitalize(suggest(q.workflows, [phase]))} first`,
      );
    }
    steps[id] = rec.outputs;
    notes.push(`using outputs of step '${id}' from run ${rec.runId} (${rec.at}), made from this source`);
  }
  return { steps, notes };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
