/**
 * Drift: the source against what the last deployment put on AWS — what users have is not what is on disk.
 * Not against the last AWS test: a test run on a newer source tests the old deployment, and AWS still runs
 * the old source. A pure function of the deployed record, the current fingerprint and the changed-file lookup.
 */
import type { DriftState } from '../vocabulary';
import { readPhaseGates, type PhaseGateStorage } from '../workflow/phase-gates';
import { readDeployments, type StateStorage } from './index';

/** What the last deployment put on AWS (the gate record `deployPassed`, with the commit it recorded). */
export interface DeployedSource {
  fingerprint: string;
  runId: string;
  at: string;
  commit?: string;
  /** A teammate's or CI's deploy (the team's evidence): who, and where from. */
  by?: string;
}

/** How many changed files the drift state lists by name. */
export const DRIFT_FILES_LISTED = 50;

/**
 * The drift, or null when nothing was deployed yet, the source is what was deployed, or which files changed
 * is not known (`changedFiles` returns undefined when the deployed file list is gone).
 */
export function driftOf(
  deployed: DeployedSource | undefined,
  currentFingerprint: string | undefined,
  changedFiles: (deployedFingerprint: string) => readonly string[] | undefined,
): DriftState | null {
  if (!deployed || !currentFingerprint || deployed.fingerprint === currentFingerprint) return null;
  const files = changedFiles(deployed.fingerprint);
  if (!files?.length) return null;
  const byFolder: Record<string, number> = {};
  for (const f of files) {
    const top = f.includes('/') ? f.slice(0, f.indexOf('/')) : f; // a top-level file by its name
    byFolder[top] = (byFolder[top] ?? 0) + 1;
  }
  return {
    changed: files.length,
    byFolder,
    files: files.slice(0, DRIFT_FILES_LISTED),
    deployedRunId: deployed.runId,
    deployedAt: deployed.at,
    ...(deployed.commit ? { deployedCommit: deployed.commit } : {}),
    ...(deployed.by ? { deployedBy: deployed.by } : {}),
  };
}

/**
 * What the last deployment put on AWS, from the gate records (a project whose deploy phase has no steps falls
 * back to the last AWS test), with the commit its deployment identity recorded.
 */
export function deployedSource(
  storage: PhaseGateStorage & Pick<StateStorage, 'readState'>,
): DeployedSource | undefined {
  const gates = readPhaseGates(storage);
  const r = gates.deployPassed ?? gates.awsTestPassed;
  if (!r) return undefined;
  const commit = readDeployments(storage).find((d) => d.runId === r.runId)?.commit;
  return { fingerprint: r.fingerprint, runId: r.runId, at: r.at, ...(commit ? { commit } : {}) };
}
