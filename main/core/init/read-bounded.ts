/**
 * Bounded reads for `offload init`'s detection: the repository is not trusted yet, so a file it names is read
 * only when it is a regular file (a FIFO, device or socket is never opened for a blocking read), at most
 * MAX_READ_BYTES of it, and folder listings stop after MAX_DIR_ENTRIES entries. A FIFO `package.json`, a
 * sparse 5 GB file or a folder with a million entries cost init milliseconds and a bounded amount of memory.
 */
import fs from 'node:fs';

/** The most bytes init reads from any one file (manifests and configs are far smaller). */
export const MAX_READ_BYTES = 1024 * 1024;
/** The most entries init reads from any one folder listing. */
export const MAX_DIR_ENTRIES = 5000;

/** Why a read gave no text: the file is absent, not a regular file, or larger than the cap. */
export type UnreadableReason = 'missing' | 'not-a-file' | 'too-large';

/**
 * The text of a regular file of at most `maxBytes`, else why not. It is opened non-blocking (a FIFO never
 * waits for a writer) and checked with fstat on the opened descriptor, so a swap after a stat does not count.
 */
export function readBounded(
  file: string,
  maxBytes: number = MAX_READ_BYTES,
): { text: string } | { reason: UnreadableReason } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch {
    return { reason: 'missing' };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { reason: 'not-a-file' };
    if (st.size > maxBytes) return { reason: 'too-large' };
    // Read up to one byte past the cap: a file that grew after fstat is still refused.
    let buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (got > maxBytes) return { reason: 'too-large' };
        const bigger = Buffer.alloc(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return { text: buf.subarray(0, got).toString('utf8') };
  } catch {
    return { reason: 'not-a-file' };
  } finally {
    fs.closeSync(fd);
  }
}

/** A regular file's text (at most `maxBytes`), or undefined when it is absent, not a file or too large. */
export function readTextBounded(file: string, maxBytes: number = MAX_READ_BYTES): string | undefined {
  const r = readBounded(file, maxBytes);
  return 'text' in r ? r.text : undefined;
}

/** Whether `file` is a regular file (a symlink counts when it points at one). */
export function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `max` entries of a folder (never the whole of a huge one), or [] when it cannot be listed. */
export function listDir(dir: string, max: number = MAX_DIR_ENTRIES): fs.Dirent[] {
  let handle: fs.Dir;
  try {
    handle = fs.opendirSync(dir);
  } catch {
    return [];
  }
  const out: fs.Dirent[] = [];
  try {
    for (let e = handle.readSync(); e && out.length < max; e = handle.readSync()) out.push(e);
  } catch {
    // A folder that vanished or cannot be read further: what was listed so far.
  } finally {
    handle.closeSync();
  }
  return out;
}
