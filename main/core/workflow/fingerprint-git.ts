/**
 * The fingerprint's file list from git, with git doing the stat pass: one `git ls-files` names every tracked
 * and untracked, non-ignored file and, for tracked files unchanged in the work tree, their blob id from the
 * index. Node then stats and hashes only what git reports changed or untracked (30 000 lstat calls from Node
 * cost several times git's own pass).
 *
 * A blob id from the index stands for a file's raw bytes only when git converted nothing on the way in: no
 * filter driver (which would also be a program of the repository's that git runs to compare content), no
 * end-of-line conversion, no attributes file. Where any may apply, the list is used without ids (every file
 * is stat-ed and hashed by Node, as before).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { runGit } from '../platform/git';

/** What git lists for a fingerprint: every file, and the blob id of each one git vouches for unchanged. */
export interface GitListing {
  files: string[];
  /** Relative path -> git blob id (the raw bytes' sha1, as the fingerprint's own content id). */
  unchanged: Map<string, string>;
}

/** Files above this size are sampled or may be sparse (see fingerprint.ts): their id is not git's. */
export const GIT_ID_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Index entry flags (git's ce_flags) that make git skip the work tree's file: assume-unchanged, added with
 * `git add -N` (no content yet), not in the work tree (sparse checkout).
 */
const ASSUME_UNCHANGED = 0x8000;
const INTENT_TO_ADD = 0x20000000;
const SKIP_WORKTREE = 0x40000000;

/** Whether a `.git` (folder, or file for worktrees and submodules) exists here or above: no git spawn otherwise. */
function insideGitWorkTree(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * Whether git may convert content or run a filter program here: a filter driver or CRLF conversion in the
 * configuration, or the repository's info/attributes. (The user's and the system's attributes files are
 * switched off for the listing; an attributes file in the tree is seen in the listing itself.)
 */
async function mayConvert(dir: string): Promise<boolean> {
  const [config, attrs] = await Promise.all([
    runGit(dir, ['config', '-z', '--get-regexp', '^(filter\\..*|core\\.autocrlf)$']),
    runGit(dir, ['rev-parse', '--git-path', 'info/attributes']),
  ]);
  if (config.code !== 1) {
    // 1: nothing matched; 0 with only `core.autocrlf false`: nothing converts either
    if (config.code !== 0) return true;
    const entries = config.stdout.toString('utf8').split('\0').filter(Boolean);
    if (entries.some((e) => !/^core\.autocrlf\n(false|0|no|off)$/i.test(e))) return true;
  }
  if (attrs.code !== 0) return true;
  const file = path.resolve(dir, attrs.stdout.toString('utf8').trim());
  return fs.existsSync(file);
}

interface Entry {
  tag: string;
  mode: string;
  id: string;
  stage: string;
  size: number;
  flags: number;
}

/** Lines git's `--debug` prints after each index entry (ctime, mtime, dev/ino, uid/gid, size/flags). */
const DEBUG_LINES = 5;

/**
 * Parses `ls-files -t -s --debug -z` output: `TAG MODE ID STAGE\tPATH\0` then, for index entries, DEBUG_LINES
 * lines (`  size: N\tflags: F` the last); untracked files are `? PATH\0`. Paths are raw (any byte but NUL).
 * Returns how far it read: a record cut short at the end of `text` is left for the next chunk.
 */
function parseListing(text: string, each: (rel: string, e: Entry) => void): number {
  let pos = 0;
  for (;;) {
    const nul = text.indexOf('\0', pos);
    if (nul < 0) return pos;
    const record = text.slice(pos, nul);
    if (record.startsWith('? ')) {
      each(record.slice(2), { tag: '?', mode: '', id: '', stage: '', size: 0, flags: 0 });
      pos = nul + 1;
      continue;
    }
    let end = nul + 1;
    let size = Infinity;
    let flags = 0;
    if (text.length < end + 8) return pos; // its debug lines are still to come
    if (text.startsWith('  ctime:', end)) {
      for (let i = 0; i < DEBUG_LINES && end > 0; i++) end = text.indexOf('\n', end) + 1;
      if (end <= 0) return pos;
      const at = text.lastIndexOf('  size: ', end);
      const f = at > nul ? text.indexOf('\tflags: ', at) : -1;
      if (f > 0 && f < end) {
        size = Number(text.slice(at + 8, f));
        flags = parseInt(text.slice(f + 8, end - 1), 16) || 0;
      }
    }
    pos = end;
    // `TAG MODE ID STAGE\tPATH`: a one-letter tag, a six-digit mode, then the id up to the next space
    const tab = record.indexOf('\t');
    const idEnd = record.indexOf(' ', 9);
    if (tab < 0 || idEnd < 0 || idEnd > tab) continue;
    each(record.slice(tab + 1), {
      tag: record[0] ?? '',
      mode: record.slice(2, 8),
      id: record.slice(9, idEnd),
      stage: record.slice(idEnd + 1, tab),
      size: Number.isNaN(size) ? Infinity : size,
      flags,
    });
  }
}

/** The listing when git's ids cannot be used: the file names only, as before. */
async function namesOnly(dir: string): Promise<GitListing | undefined> {
  const list = await runGit(dir, ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.']);
  if (list.code !== 0) return undefined;
  const files = [...new Set(list.stdout.toString('utf8').split('\0').filter(Boolean))];
  return { files, unchanged: new Map() };
}

/** Tracked and untracked, non-ignored files of a git work tree under `dir` (undefined outside one). */
export async function gitListing(dir: string): Promise<GitListing | undefined> {
  if (!insideGitWorkTree(dir) && !process.env.GIT_DIR) return undefined;
  if (await mayConvert(dir)) return namesOnly(dir);
  const files = new Set<string>();
  const candidates = new Map<string, string>();
  const changed = new Set<string>();
  let attributes = false;
  const add = (rel: string, e: Entry) => {
    files.add(rel);
    if (rel === '.gitattributes' || rel.endsWith('/.gitattributes')) attributes = true;
    // modified (C), deleted (R), unmerged, skip-worktree (S), untracked (?): Node stats and hashes them
    if (e.tag !== 'H' || e.stage !== '0') changed.add(rel);
    else if (
      (e.mode === '100644' || e.mode === '100755') &&
      e.id.length === 40 /* sha1 (a sha256 repository's ids are not the content ids) */ &&
      e.size <= GIT_ID_MAX_BYTES &&
      !(e.flags & (ASSUME_UNCHANGED | INTENT_TO_ADD | SKIP_WORKTREE))
    )
      candidates.set(rel, e.id);
  };
  let rest = '';
  const decoder = new StringDecoder('utf8');
  const list = await runGit(
    dir,
    [
      ...['-c', `core.attributesFile=${os.devNull}`, '-c', 'core.autocrlf=false', 'ls-files'],
      ...['--cached', '--others', '--modified', '--deleted', '--exclude-standard'],
      ...['-t', '-s', '--debug', '-z', '--', '.'],
    ],
    {
      env: { GIT_ATTR_NOSYSTEM: '1' },
      // read as it comes: 30 000 files are ~6 MB of listing, never held whole
      onStdout: (chunk) => {
        const text = rest + decoder.write(chunk);
        rest = text.slice(parseListing(text, add));
      },
    },
  );
  // the last record: its debug lines end the output
  parseListing(`${rest}${decoder.end()}\0\0\0\0\0\0\0\0`, add);
  if (list.code !== 0) return undefined;
  const unchanged = new Map<string, string>();
  if (!attributes) for (const [rel, id] of candidates) if (!changed.has(rel)) unchanged.set(rel, id);
  return { files: [...files], unchanged };
}
