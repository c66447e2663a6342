/**
 * Rebuilding a run from its events: one reducer shared by the live engine and by history, so a run reads the
 * same while it runs and afterwards. A run whose writer died reads as failed/interrupted, never running.
 */
import {
  PHASE_TITLES,
  type PhaseSnapshot,
  type RunEvent,
  type RunSnapshot,
  type RunSummary,
  type StepSnapshot,
} from '../vocabulary';

/** Applies one event to a snapshot (mutates and returns it; the first event must be run-started). */
export function applyEvent(snap: RunSnapshot | null, e: RunEvent): RunSnapshot | null {
  if (e.type === 'run-started') {
    return {
      runId: e.runId,
      workflow: e.workflow,
      status: 'running',
      startedAt: e.at,
      fingerprint: e.fingerprint,
      phases: e.phases.map((p): PhaseSnapshot => ({
        id: p.id,
        title: p.title || PHASE_TITLES[p.id],
        status: 'pending',
        steps: p.steps.map((s): StepSnapshot => ({
          id: s.id,
          name: s.name,
          kind: s.kind,
          status: 'pending',
        })),
      })),
      tail: [],
    };
  }
  if (!snap) return snap;
  switch (e.type) {
    case 'phase': {
      const phase = snap.phases.find((p) => p.id === e.phase);
      if (!phase) break;
      phase.status = e.status;
      if (e.reason !== undefined) phase.reason = e.reason;
      else delete phase.reason;
      break;
    }
    case 'step': {
      const step = snap.phases.find((p) => p.id === e.phase)?.steps.find((s) => s.id === e.step);
      if (!step) break;
      step.status = e.status;
      if (e.status === 'running') {
        if (!step.startedAt || (e.attempt ?? 1) === 1) step.startedAt = e.at;
        delete step.reason;
        snap.current = { phase: e.phase, step: e.step };
      }
      if (e.reason !== undefined) step.reason = e.reason;
      if (e.summary !== undefined) step.summary = e.summary;
      if (e.durationMs !== undefined) step.durationMs = e.durationMs;
      break;
    }
    case 'run-finished':
      snap.status = e.status;
      if (e.reason !== undefined) snap.reason = e.reason;
      snap.finishedAt = e.at;
      snap.durationMs = e.durationMs;
      break;
    case 'record':
      break;
  }
  return snap;
}

const STATUSES = new Set<string>(['pending', 'running', 'passed', 'failed', 'cancelled', 'blocked']);
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStatus = (v: unknown): boolean => isStr(v) && STATUSES.has(v);

/**
 * Whether a parsed events.jsonl line is an event applyEvent can take: the fields it reads are there and of
 * their type. Anything else (`null`, a number, a line from another version or a damaged disk) is skipped.
 */
export function isRunEvent(v: unknown): v is RunEvent {
  if (!isObj(v) || !isStr(v.at) || !isStr(v.runId)) return false;
  switch (v.type) {
    case 'run-started':
      return (
        isStr(v.workflow) &&
        isStr(v.fingerprint) &&
        typeof v.pid === 'number' &&
        (v.pidStart === undefined || typeof v.pidStart === 'number') &&
        Array.isArray(v.phases) &&
        v.phases.every(
          (p) =>
            isObj(p) &&
            isStr(p.id) &&
            (p.title === undefined || isStr(p.title)) &&
            Array.isArray(p.steps) &&
            p.steps.every((s) => isObj(s) && isStr(s.id) && isStr(s.name) && isStr(s.kind)),
        )
      );
    case 'phase':
      return isStr(v.phase) && isStatus(v.status) && (v.reason === undefined || isStr(v.reason));
    case 'step':
      return (
        isStr(v.phase) &&
        isStr(v.step) &&
        isStatus(v.status) &&
        (v.reason === undefined || isStr(v.reason)) &&
        (v.summary === undefined || isStr(v.summary)) &&
        (v.attempt === undefined || typeof v.attempt === 'number') &&
        (v.durationMs === undefined || typeof v.durationMs === 'number')
      );
    case 'record':
      return isStr(v.phase) && isStr(v.step) && isStr(v.kind);
    case 'run-finished':
      return (
        isStatus(v.status) && typeof v.durationMs === 'number' && (v.reason === undefined || isStr(v.reason))
      );
    default:
      return false;
  }
}

/**
 * A run whose event log had unreadable lines (not a torn last one): its outcome is not known, so it never reads
 * as passed; a run that failed or was cancelled keeps its status and says so in its reason.
 */
export function markDamaged(snap: RunSnapshot, unreadable: number): RunSnapshot {
  const note = `${unreadable} unreadable line${unreadable === 1 ? '' : 's'} in the run's event log`;
  if (snap.status === 'passed') {
    snap.status = 'failed';
    snap.reason = `outcome unknown: ${note} (the rest reads as passed)`;
  } else if (snap.status !== 'running') {
    snap.reason = snap.reason ? `${snap.reason}; ${note}` : note;
  }
  return snap;
}

/** Describes an event in a few words, for the "interrupted … last event" reason. */
export function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case 'run-started':
      return `run ${e.workflow} started`;
    case 'phase':
      return `phase ${e.phase} ${e.status}`;
    case 'step':
      return `step ${e.phase}/${e.step} ${e.status}${e.attempt && e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    case 'record':
      return `step ${e.phase}/${e.step} recorded ${e.kind}`;
    case 'run-finished':
      return `run ${e.status}`;
  }
}

/**
 * Marks a run that has no run-finished and whose writer is gone as failed: interrupted. Running phases and
 * steps become failed with reason "interrupted"; nothing is left at ⏳.
 */
export function markInterrupted(snap: RunSnapshot, last: RunEvent): RunSnapshot {
  const reason = `interrupted (Offload stopped at ${last.at}, last event: ${describeEvent(last)})`;
  snap.status = 'failed';
  snap.reason = reason;
  snap.finishedAt = last.at;
  snap.durationMs = Math.max(0, Date.parse(last.at) - Date.parse(snap.startedAt));
  for (const phase of snap.phases) {
    if (phase.status === 'running') {
      phase.status = 'failed';
      phase.reason = 'interrupted';
    }
    for (const step of phase.steps) {
      if (step.status === 'running') {
        step.status = 'failed';
        step.reason = 'interrupted';
        if (step.startedAt) step.durationMs = Math.max(0, Date.parse(last.at) - Date.parse(step.startedAt));
      }
    }
  }
  return snap;
}

/** The list-view summary of a run. */
export function summarize(snap: RunSnapshot): RunSummary {
  const s: RunSummary = {
    runId: snap.runId,
    workflow: snap.workflow,
    status: snap.status,
    startedAt: snap.startedAt,
  };
  if (snap.reason !== undefined) s.reason = snap.reason;
  if (snap.finishedAt !== undefined) s.finishedAt = snap.finishedAt;
  if (snap.durationMs !== undefined) s.durationMs = snap.durationMs;
  return s;
}
