/**
 * Atomic file writes, the one way the core and the app replace a file: readers (and a crash) see the old
 * content or the new, never half of it. A temp file with a unique name in the same folder (so the rename
 * stays on one file system), written in full, fsynced, then renamed over the target; an existing file keeps
 * its mode, and the temp file is removed when anything fails.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** How a new file and its folders are created; an existing file keeps its own mode. */
export interface AtomicWriteOptions {
  /** Mode of a new file (default 0o666, less the umask). */
  mode?: number;
  /** Mode of folders created on the way (default 0o777, less the umask). */
  dirMode?: number;
}

/** For Offload's own state in the app-data folder: only the user may read it. */
export const PRIVATE_FILE: Readonly<AtomicWriteOptions> = { mode: 0o600, dirMode: 0o700 };

/** Replaces `file` with `data` atomically, creating its folder when missing. Throws what the write threw. */
export function writeFileAtomic(
  file: string,
  data: string | NodeJS.ArrayBufferView,
  opts: AtomicWriteOptions = {},
): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, ...(opts.dirMode === undefined ? {} : { mode: opts.dirMode }) });
  let existingMode: number | undefined;
  try {
    existingMode = fs.statSync(file).mode & 0o7777;
  } catch {
    existingMode = undefined;
  }
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', existingMode ?? opts.mode ?? 0o666);
    // open() narrows the mode by the umask; the original's mode is kept as it was.
    if (existingMode !== undefined) fs.fchmodSync(fd, existingMode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
