/**
 * Atomic file writes, the one way the core and the app replace a file: readers (and a crash) see the old
 * content or the new, never half of it. A temp file with a unique name in the same folder (so the rename
 * stays on one file system), written in full, fsynced, then renamed over the target; an existing file keeps
 * its mode, and the temp file is removed when anything fails. The temp file is named
 * `.<name>.offload-tmp-<pid>-<12 hex>` so that one left by a killed writer is recognised and removed by
 * removeStaleTemps() (only that exact pattern, only when the pid is no longer alive).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from './make-dirs';
import { pidAlive } from './proc-signal';

/** How a new file and its folders are created; an existing file keeps its own mode. */
export interface AtomicWriteOptions {
  /** Mode of a new file (default 0o666, less the umask). */
  mode?: number;
  /** Mode of folders created on the way (default 0o777, less the umask). */
  dirMode?: number;
  /** Give an existing file `mode` too (and the folder `dirMode`), instead of keeping its own. */
  enforce?: boolean;
}

/**
 * For Offload's own state in the app-data folder: only the user may read it, whatever an older version or the
 * umask left (on Windows modes are moot: the per-user app-data folder's ACL applies).
 */
export const PRIVATE_FILE: Readonly<AtomicWriteOptions> = { mode: 0o600, dirMode: 0o700, enforce: true };

/** Creates `dir` (and missing parents) private to the user, and narrows `dir` itself if it was more open. */
export function ensurePrivateDir(dir: string): void {
  makeDirs(dir, 0o700);
  if (process.platform === 'win32') return;
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, st.mode & 0o700);
}

/**
 * Opens `file` for appending, private to the user (0600 when created; an existing file more open than that is
 * narrowed). Returns the descriptor.
 */
export function openPrivateAppend(file: string): number {
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    if (process.platform !== 'win32' && (fs.fstatSync(fd).mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Narrows an open private file to 0600 (keeping only the owner's bits) when something loosened it since
 * (a `chmod 644`, a copy, a restore): only the user's own files, never failing a read over it.
 */
function tightenOpen(fd: number, st: fs.Stats): void {
  if (process.platform === 'win32' || (st.mode & 0o077) === 0) return;
  if (process.getuid && st.uid !== process.getuid()) return;
  try {
    fs.fchmodSync(fd, st.mode & 0o700);
  } catch {
    /* a read-only file system: the read still goes on */
  }
}

export interface PrivateReadOptions {
  /**
   * Read the file only where nobody else could have written it: the user's own (not another user's), writable
   * by no group or other user, and not a symbolic link. For a file whose content is acted on without being
   * checked again (the kept config model: its trust digest is taken as it is).
   */
  ownOnly?: boolean;
}

/** The user's own file, which no group or other user may write (POSIX; Windows: the folder's ACL applies). */
function ownedAndPrivate(st: fs.Stats): boolean {
  if (process.platform === 'win32') return true;
  if (process.getuid && st.uid !== process.getuid()) return false;
  return (st.mode & 0o022) === 0;
}

/**
 * Reads one of Offload's own private files (trust.json, settings.json, history state) whole: a regular file of
 * at most `maxBytes` (never a FIFO a read would block on), narrowed back to 0600 if it was loosened since.
 * Throws the open's error (ENOENT …) or an Error naming the file when it is not a regular file or too big.
 */
export function readPrivateFile(
  file: string,
  maxBytes = 64 * 1024 * 1024,
  { ownOnly = false }: PrivateReadOptions = {},
): Buffer {
  const nofollow = ownOnly ? (fs.constants.O_NOFOLLOW ?? 0) : 0;
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | nofollow);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is not a regular file; Offload did not read it`);
    if (st.size > maxBytes)
      throw new Error(`${file} is larger than ${maxBytes} bytes; Offload did not read it`);
    if (ownOnly && !ownedAndPrivate(st))
      throw new Error(`${file} is another user's or writable by others; Offload did not read it`);
    tightenOpen(fd, st);
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = fs.readSync(fd, buf, n, buf.length - n, n);
      if (r <= 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A private JSON cache file read back as an object: `{}` when it is missing, unreadable, too big, not JSON or
 * not an object (a cache is re-filled, never trusted blindly).
 */
export function readPrivateJsonObject<T extends object>(
  file: string,
  maxBytes = 1024 * 1024,
  opts: PrivateReadOptions = {},
): Partial<T> {
  try {
    const v: unknown = JSON.parse(readPrivateFile(file, maxBytes, opts).toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Partial<T>) : {};
  } catch {
    return {};
  }
}

/**
 * Opens one of Offload's own private files for reading without blocking (a regular file only), narrowed back to
 * 0600 if it was loosened since. Returns the descriptor; throws the open's error or one naming the file.
 */
export function openPrivateRead(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is not a regular file; Offload did not read it`);
    tightenOpen(fd, st);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * What a failed write into Offload's data folder means for the user (what, where, what to do), for the errors a
 * user can fix: a read-only folder (EACCES, EPERM, EROFS) or a full disk (ENOSPC, EDQUOT). Others are returned
 * as they are.
 */
export function explainWriteError(err: unknown, what: string, where: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const target = ((err as NodeJS.ErrnoException).path as string | undefined) ?? where;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new Error(
      `cannot write ${what} (${target}): ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied, the folder is read-only for you'} (${code}). ` +
        `Make it writable (chmod -R u+w '${where}'), or give Offload another data folder (--data-dir or OFFLOAD_HOME)`,
      { cause: err },
    );
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new Error(
      `cannot write ${what} in ${where}: the disk is full (${code}). Free some space (\`offload history\` keeps ` +
        'at most 50 runs; older step logs can go), then try again',
      { cause: err },
    );
  return err instanceof Error ? err : new Error(String(err));
}

/** Appends `text` to `file`, creating its folder and the file private to the user. */
export function appendPrivate(file: string, text: string): void {
  ensurePrivateDir(path.dirname(file));
  const fd = openPrivateAppend(file);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

const TMP_TAG = '.offload-tmp-';

/** The temp file name writeFileAtomic uses for `file` (exported for tests). */
export function atomicTempName(file: string, pid = process.pid): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}${TMP_TAG}${pid}-${crypto.randomBytes(6).toString('hex')}`,
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes what a killed writeFileAtomic of `file` left next to it: files named exactly
 * `.<name>.offload-tmp-<pid>-<12 hex>` (or the older `.<name>.<pid>.<12 hex>.tmp`) whose pid is not alive.
 * Nothing else is touched; a missing folder is nothing to do. Returns the paths removed.
 */
export function removeStaleTemps(file: string): string[] {
  const dir = path.dirname(file);
  const name = escapeRe(path.basename(file));
  const re = new RegExp(
    `^\\.${name}(?:${escapeRe(TMP_TAG)}(\\d+)-[0-9a-f]{12}|\\.(\\d+)\\.[0-9a-f]{12}\\.tmp)$`,
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pidAlive(pid)) continue;
    const p = path.join(dir, n);
    try {
      if (!fs.lstatSync(p).isFile()) continue; // a regular file only: never a link or a folder
      fs.rmSync(p);
      removed.push(p);
    } catch {
      /* gone meanwhile */
    }
  }
  return removed;
}

/** Replaces `file` with `data` atomically, creating its folder when missing. Throws what the write threw. */
export function writeFileAtomic(
  file: string,
  data: string | NodeJS.ArrayBufferView,
  opts: AtomicWriteOptions = {},
): void {
  const dir = path.dirname(file);
  if (opts.enforce && opts.dirMode === 0o700) ensurePrivateDir(dir);
  else makeDirs(dir, opts.dirMode);
  let existingMode: number | undefined;
  try {
    existingMode = opts.enforce ? undefined : fs.statSync(file).mode & 0o7777;
  } catch {
    existingMode = undefined;
  }
  // What an earlier writer killed at its rename left beside the file (a full copy of its content) goes first.
  removeStaleTemps(file);
  const tmp = atomicTempName(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', existingMode ?? opts.mode ?? 0o666);
    // open() narrows the mode by the umask; the original's mode is kept as it was.
    if (existingMode !== undefined) fs.fchmodSync(fd, existingMode);
    else if (opts.enforce && opts.mode !== undefined && process.platform !== 'win32')
      fs.fchmodSync(fd, opts.mode);
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
