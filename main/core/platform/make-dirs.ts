/**
 * Creating a folder and its missing parents, the one way Offload does it. `fs.mkdirSync(dir, { recursive: true })`
 * spins for ever where mkdir answers ENOENT below a folder that exists (under /proc or /sys: `--data-dir
 * /proc/x`), retrying the parent and the child in turn; this walk makes each missing folder once and fails with
 * mkdir's own error.
 */
import fs from 'node:fs';
import path from 'node:path';

/** mkdir's error, in words where Node's are cryptic; its `code` and `path` kept for the callers' own words. */
const cannot = (dir: string, code: string, why: string, cause?: unknown): NodeJS.ErrnoException =>
  Object.assign(new Error(`cannot make the folder ${dir}: ${why} (${code})`, { cause }), { code, path: dir });
const notFolder = (dir: string) => cannot(dir, 'ENOTDIR', 'a file stands where the folder would be');

/**
 * Creates `dir` and the folders missing above it (each with `mode`, less the umask); nothing where `dir` is
 * already a folder. Throws mkdir's error (EACCES, EROFS…) for the first one it cannot make; ENOENT (a folder
 * that takes none) and ENOTDIR (a file in the way) in words.
 */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch (err) {
      // ENOTDIR: a file above it, met on the way up
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (st && !st.isDirectory()) throw notFolder(d);
    if (st) break;
    missing.push(d);
    if (path.dirname(d) === d) break; // a missing root: mkdir says why below
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, mode === undefined ? {} : { mode });
    } catch (err) {
      // made meanwhile by someone else: fine where it is a folder
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw cannot(d, code, `${path.dirname(d)} takes no new folders (a system folder such as /proc)`, err);
      if (code !== 'EEXIST') throw err;
      if (!fs.statSync(d).isDirectory()) throw notFolder(d);
    }
  }
}
