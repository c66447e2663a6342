/**
 * What the engine asks of the team during a run (team.ts makes it from offload.yml's `team:`), and the run of
 * a project without one: the engine's side of the team, without the team's code.
 */
import type { RunSnapshot } from '../vocabulary';
import type { PhaseGateState } from '../workflow/phase-gates';
import type { PhaseId } from '../workflow/types';

/** What the engine asks of the team during one run. */
export interface TeamRun {
  /** `state` with a teammate's or CI's passes of this fingerprint added where the local history lacks them. */
  withTeamPasses(state: PhaseGateState): Promise<PhaseGateState>;
  /** Takes the environment's lock before a locked phase (releases it before any other); why not, if held. */
  beforePhase(phase: PhaseId): Promise<string | undefined>;
  /** Records the finished run (or queues it), releases the lock. Never throws. */
  finish(
    snap: RunSnapshot | null,
    records: { phase: PhaseId; step: string; kind: string; data: unknown }[],
  ): Promise<void>;
}

/** Opens the team's part of a run. */
export type TeamRunFactory = (run: {
  runId: string;
  workflow: string;
  phases: readonly PhaseId[];
  fingerprint: string;
  waitForLockMs?: number;
  abort?: AbortController;
}) => TeamRun;

/** A project without `team:`: its own history only, no lock, nothing recorded. */
export const NO_TEAM: TeamRun = {
  withTeamPasses: async (state) => state,
  beforePhase: async () => undefined,
  finish: async () => undefined,
};
