/**
 * Drift: the source against the last deployment that passed AWS testing — what users have is not what is
 * on disk. A pure function of the tested record, the current fingerprint and the changed-file lookup.
 */
import type { DriftState } from '../vocabulary';

/** The deployment that passed AWS testing (the gate record `awsTestPassed`). */
export interface TestedDeployment {
  fingerprint: string;
  runId: string;
  at: string;
}

/** How many changed files the drift state lists by name. */
export const DRIFT_FILES_LISTED = 50;

/**
 * The drift, or null when nothing was tested yet, the source is what was tested, or which files changed is
 * not known (`changedFiles` returns undefined when the tested file list is gone).
 */
export function driftOf(
  tested: TestedDeployment | undefined,
  currentFingerprint: string | undefined,
  changedFiles: (testedFingerprint: string) => readonly string[] | undefined,
): DriftState | null {
  if (!tested || !currentFingerprint || tested.fingerprint === currentFingerprint) return null;
  const files = changedFiles(tested.fingerprint);
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
    deployedRunId: tested.runId,
    deployedAt: tested.at,
  };
}
