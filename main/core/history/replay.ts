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
