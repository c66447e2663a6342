/** The CLI's exit codes: scripts and CI branch on them. */
export const EXIT = {
  passed: 0,
  failed: 1,
  usage: 2,
  cancelled: 130,
} as const;

import type { Status } from '../core/vocabulary';

/** Maps a run's final status to the exit code (blocked is a failure: a gate was not met). */
export function exitCodeFor(status: Status): number {
  if (status === 'passed') return EXIT.passed;
  if (status === 'cancelled') return EXIT.cancelled;
  return EXIT.failed;
}
