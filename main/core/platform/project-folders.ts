/**
 * Folders of a project that are never its source, in one place for the fingerprint (what would be deployed)
 * and the file watcher (what makes the gates look again).
 */

/** Version control, build output, dependencies and caches: skipped when a project is walked without git. */
export const SKIPPED_DIRS: readonly string[] = [
  '.git',
  'node_modules',
  'dist',
  'build',
  '.venv',
  '__pycache__',
  'target',
];

/** Never source even where a repository forgot to ignore them (dependencies, interpreter caches). */
export const NEVER_SOURCE: readonly string[] = ['.git', 'node_modules', '.venv', '__pycache__'];
