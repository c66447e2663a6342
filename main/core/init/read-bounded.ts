/**
 * Bounded reads for `offload init`'s detection: the repository is not trusted yet, so a file it names is read
 * through the boundary (main/core/boundary/files.ts: only a regular file, never a blocking open), at most
 * MAX_READ_BYTES of it, and folder listings stop after MAX_DIR_ENTRIES entries. A FIFO `package.json`, a
 * sparse 5 GB file or a folder with a million entries cost init milliseconds and a bounded amount of memory.
 */
import fs from 'node:fs';
import { ProjectFileError, readProjectText } from '../boundary/files';

/** The most bytes init reads from any one file (manifests and configs are far smaller). */
export const MAX_READ_BYTES = 1024 * 1024;
/** The most entries init reads from any one folder listing. */
export const MAX_DIR_ENTRIES = 5000;

/** Why a read gave no text: the file is absent, not a regular file, or larger than the cap. */
export type UnreadableReason = 'missing' | 'not-a-file' | 'too-large';

/** The text of a regular file of at most `maxBytes`, else why not (the boundary's bounded, non-blocking read). */
export function readBounded(
  file: string,
  maxBytes: number = MAX_READ_BYTES,
): { text: string } | { reason: UnreadableReason } {
  try {
    return { text: readProjectText(file, { maxBytes, what: 'file' }) };
  } catch (err) {
    const reason = err instanceof ProjectFileError ? err.reason : 'unreadable';
    return { reason: reason === 'too-big' ? 'too-large' : reason === 'missing' ? 'missing' : 'not-a-file' };
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
