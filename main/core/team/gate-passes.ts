/**
 * How team evidence counts for the gate (pure): a teammate's or CI's local pass of the same fingerprint counts
 * as a local pass, and an aws-prepare pass of it as aws-prepare having passed. A pass of another fingerprint is
 * never asked for, so it never counts.
 */
import type { PhaseGateRecord, PhaseGateState } from '../workflow/phase-gates';
import type { PhaseId } from '../workflow/types';
import type { PassEvidence } from './evidence';

/** The phases whose passes by the team the gate reads. */
export const TEAM_GATE_PHASES: readonly PhaseId[] = ['local', 'aws-prepare'];

/**
 * `state` with the team's passes of `fingerprint` added where it lacks them; `lookUp` is asked only for what is
 * missing (one GET each). Returns the new state and the team's passes that were counted.
 */
export async function addTeamPasses(
  state: PhaseGateState,
  fingerprint: string,
  lookUp: (phase: PhaseId) => Promise<PassEvidence | undefined>,
): Promise<{ state: PhaseGateState; counted: PassEvidence[] }> {
  const out: PhaseGateState = { ...state, localPasses: [...state.localPasses] };
  const counted: PassEvidence[] = [];
  const note = (p: PassEvidence): PhaseGateRecord => {
    out.seq += 1;
    counted.push(p);
    return { fingerprint: p.fingerprint, parts: {}, at: p.at, runId: p.runId, seq: out.seq };
  };
  if (!state.localPasses.some((p) => p.fingerprint === fingerprint)) {
    const p = await lookUp('local');
    if (p?.fingerprint === fingerprint) out.localPasses.push(note(p));
  }
  if (!state.preparePassed) {
    const p = await lookUp('aws-prepare');
    if (p?.fingerprint === fingerprint) out.preparePassed = note(p);
  }
  return { state: out, counted };
}
