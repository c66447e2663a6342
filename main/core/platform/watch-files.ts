/**
 * Learning of changes to a project's files without polling git: native recursive watches where the platform
 * has them (macOS, Windows), else one watch per folder (Linux inotify), build and dependency folders left out.
 * Bursts (a checkout, a build) are debounced into one call.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SKIPPED_DIRS } from './project-folders';

/** Folders whose churn is never source: the fingerprint's own list. */
const IGNORED = new Set(SKIPPED_DIRS);
/** Beyond this many folders, only the top ones are watched (inotify watches are a shared, finite resource). */
const MAX_FOLDERS = 2000;

export interface WatchFilesOptions {
  debounceMs?: number;
  /** Absolute paths whose changes are ignored (Offload's own data folder). */
  ignore?: readonly string[];
}

/** Calls `onChange` (debounced) when a file under `dir` changes; returns the function that stops watching. */
export function watchProjectFiles(dir: string, onChange: () => void, o: WatchFilesOptions = {}): () => void {
  const debounceMs = o.debounceMs ?? 500;
  const ignore = (o.ignore ?? []).map((p) => path.resolve(p));
  let timer: NodeJS.Timeout | undefined;
  const watchers: fs.FSWatcher[] = [];
  const fire = (abs: string) => {
    if (ignore.some((i) => abs === i || abs.startsWith(i + path.sep))) return;
    const rel = path.relative(dir, abs).split(path.sep);
    if (rel.some((part) => IGNORED.has(part)) && !rel.includes('.git')) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  const watch = (folder: string, recursive: boolean) => {
    try {
      const w = fs.watch(folder, { recursive, persistent: false }, (_event, name) =>
        fire(path.join(folder, name ? String(name) : '')),
      );
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // a folder that vanished or cannot be watched: the next explicit check still sees the truth
    }
  };
  if (process.platform === 'darwin' || process.platform === 'win32') watch(dir, true);
  else {
    const queue = [dir];
    let count = 0;
    while (queue.length && count < MAX_FOLDERS) {
      const folder = queue.shift()!;
      watch(folder, false);
      count++;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        const abs = path.join(folder, e.name);
        if (e.isDirectory() && !IGNORED.has(e.name) && !ignore.includes(abs)) queue.push(abs);
      }
    }
  }
  // Commits and staging change git's index; watch it so a commit re-evaluates the gates.
  const gitDir = path.join(dir, '.git');
  if (fs.existsSync(gitDir) && fs.statSync(gitDir).isDirectory()) watch(gitDir, false);
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
