/**
 * The source fingerprint the gates compare: what would be deployed, not how it was committed. It is the
 * content of every tracked and untracked, non-ignored file (git's own file list; a folder without git is
 * walked, build and dependency folders skipped) plus the config's hash. Committing unchanged content keeps
 * it; files Offload itself writes (the config switch's files, its own data) are left out.
 *
 * Hashing 30 000 files on every `offload status` would be slow: in a git work tree git does the stat pass and
 * vouches for the files unchanged since they were added (their blob id is the content id: fingerprint-git.ts);
 * every other file's content id is cached by its stat (size, mtime, ctime, inode) in the project's data folder. Each fingerprint a gate
 * records keeps its file list (path -> content id, gzipped) so a refusal can name the files that changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { closeProjectFile, openProjectFile, readRange } from '../boundary/files';
import { formatBytes } from '../format';
import { visibleText } from '../boundary/text';
import { PRIVATE_FILE, readPrivateFile, writeFileAtomic } from '../platform/atomic-file';
import { NEVER_SOURCE, SKIPPED_DIRS } from '../platform/project-folders';
import { GIT_ID_MAX_BYTES, gitListing } from './fingerprint-git';
import { fileIdentity } from './fingerprint-index';
import { createDigest, sha256Hex } from '../platform/digest';

/** A fingerprint, its parts, and the files it was made of (relative path with `/` -> content id). */
export interface Fingerprint {
  value: string;
  source: 'git' | 'content';
  parts: { files: string; config: string };
  manifest: ReadonlyMap<string, string>;
  /** Files not read whole (huge or sparse: hashed from their size and samples), in words, for display. */
  notes?: string[];
}

/** What a fingerprint is computed from. */
export interface FingerprintInput {
  /** The project folder. */
  dir: string;
  /** sha256 of offload.yml. */
  configHash: string;
  /** Paths relative to `dir` (files or folders) that are not part of it: the config switch's files, Offload's data. */
  exclude?: readonly string[];
  /** Folder for the stat cache and the recorded file lists (the project's history folder); none: no cache. */
  stateDir?: string;
  /** Where a warning goes (git not run on a repository whose config names a FIFO); default stderr. */
  warn?: (line: string) => void;
}

const CACHE_FILE = 'fingerprint-cache.json';
const MANIFEST_DIR = 'fingerprints';
/** Files changed this recently may change again within the same mtime tick: their id is not cached. */
const RACY_MS = 2000;

interface StatCache {
  version: 2;
  entries: Record<string, [stat: string, id: string]>;
  /**
   * The last fingerprint of a clean git tree: its files' hash holds while the index is the same file, git's
   * stat pass names nothing, and every file Node hashed itself (`entries`, all of them then) is unchanged.
   */
  clean?: { key: string; index: string; files: string; notes?: string[] };
}

function readCache(file: string | undefined): StatCache {
  if (!file) return { version: 2, entries: {} };
  try {
    // not one someone else could have written: a kept entry stands for a file's content unread
    const c = JSON.parse(readPrivateFile(file, undefined, { ownOnly: true }).toString('utf8')) as StatCache;
    if (c?.version === 2 && c.entries && typeof c.entries === 'object') {
      const k = c.clean;
      const valid =
        k &&
        typeof k.key === 'string' &&
        typeof k.index === 'string' &&
        typeof k.files === 'string' &&
        (k.notes === undefined || (Array.isArray(k.notes) && k.notes.every((n) => typeof n === 'string')));
      if (!valid) delete c.clean;
      return c;
    }
  } catch {
    // no cache yet, or unreadable: start afresh
  }
  return { version: 2, entries: {} };
}

function writePrivate(file: string, data: string | Buffer): void {
  try {
    writeFileAtomic(file, data, PRIVATE_FILE);
  } catch {
    // a cache: the next run computes it again
  }
}

/** Files bigger than this are not read whole: at about 1 GB/s of hashing, this caps one file's cost. */
export const FULL_HASH_MAX_BYTES = 64 * 1024 * 1024;
/** How a file too big (or sparse) to read whole is sampled: this many blocks of SAMPLE_BYTES, evenly spread. */
const SAMPLES = 64;
const SAMPLE_BYTES = 64 * 1024;

/** Whether a file has far fewer blocks on disk than its size (a sparse file: mostly holes, cheap to make huge). */
const isSparse = (st: fs.Stats) => st.size > SAMPLES * SAMPLE_BYTES && st.blocks * 512 < st.size / 2;

/**
 * The content id of a file: git's blob sha1 of its bytes (unfiltered; a symlink by its target). A file over
 * FULL_HASH_MAX_BYTES, or sparse, is hashed from its size, its stat identity (mtime, ctime, inode) and evenly
 * spread samples (a few MB read, whatever its size): a 20 GB sparse file must not stall `status`, and a write
 * anywhere in it still changes its id.
 */
function contentId(abs: string, st: fs.Stats): string {
  const h = createDigest('sha1');
  if (st.isSymbolicLink()) {
    h.update(`link ${fs.readlinkSync(abs)}`);
    return h.hex();
  }
  // Regular files only, opened without blocking or following a link swapped in since the lstat.
  const f = openProjectFile(abs, { what: 'source file', noFollow: true });
  try {
    const size = f.stat.size;
    if (size > FULL_HASH_MAX_BYTES || isSparse(f.stat)) {
      // Samples alone miss a change between them: the file's stat identity (ctime cannot be set back by a
      // user) makes any write a change, as git's index does for files it does not re-read.
      h.update(`sampled ${size} ${f.stat.mtimeMs} ${f.stat.ctimeMs} ${f.stat.ino}\0`);
      const step = Math.floor((size - SAMPLE_BYTES) / (SAMPLES - 1));
      for (let i = 0; i < SAMPLES; i++) h.update(readRange(f.fd, i * step, SAMPLE_BYTES));
      return h.hex();
    }
    h.update(`blob ${size}\0`);
    const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1 << 20));
    let total = 0;
    for (;;) {
      const n = fs.readSync(f.fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      // grown past the cap while read: what it is now is not known, the next run hashes it again
      if ((total += n) > FULL_HASH_MAX_BYTES) break;
    }
  } finally {
    closeProjectFile(f);
  }
  return h.hex();
}

/** Every file under `dir`, build and dependency folders skipped. */
function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.includes(e.name)) walk(r);
      } else out.push(r);
    }
  };
  walk('');
  return out;
}

function isExcluded(rel: string, exclude: readonly string[]): boolean {
  return exclude.some((x) => rel === x || rel.startsWith(`${x}/`));
}

/** Normalises exclusions to relative `/` paths inside `dir`; paths outside it are dropped. */
function relativeExclusions(dir: string, exclude: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const x of exclude ?? []) {
    const rel = path.relative(dir, path.resolve(dir, x));
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) out.push(rel.split(path.sep).join('/'));
  }
  return out;
}

/** A path with a NEVER_SOURCE folder (or file) name as one of its parts. */
const neverSource = new RegExp(`(^|/)(${NEVER_SOURCE.map((n) => n.replace(/\./g, '\\.')).join('|')})(/|$)`);

/** Whether every file Node hashed itself (the stat cache's entries) is as it was. */
function hashedFilesUnchanged(dir: string, entries: StatCache['entries']): boolean {
  for (const [rel, [key]] of Object.entries(entries)) {
    try {
      if (fileIdentity(fs.lstatSync(path.join(dir, rel))) !== key) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The fingerprint of a files' hash and the config's; its file list is made only when something reads it. */
function fingerprintOf(
  files: string,
  configHash: string,
  source: Fingerprint['source'],
  notes: string[] | undefined,
  list: () => Map<string, string>,
): Fingerprint {
  const parts = { files, config: configHash };
  const value = sha256Hex(`v2\0${parts.files}\0${parts.config}`);
  let manifest: Map<string, string> | undefined;
  return {
    value,
    source,
    parts,
    get manifest() {
      return (manifest ??= list());
    },
    ...(notes?.length ? { notes } : {}),
  };
}

/**
 * A listed path that does not name a file under the project folder: `..`, `.` or empty parts, absolute, a NUL,
 * a `.git` part. git writes none; a crafted index (a repository from a zip or tarball) may hold any of them.
 */
const notInProject = /(^|\/)(\.{1,2}|\.git)?(\/|$)|^\/|\0/;

/** The files of a listing that are source: inside the project, not excluded, not a NEVER_SOURCE folder's; sorted. */
function sourceFiles(all: string[], exclude: string[]): string[] {
  // A Python project that does not ignore __pycache__ would otherwise change with every local test run.
  return all.filter((f) => !notInProject.test(f) && !isExcluded(f, exclude) && !neverSource.test(f)).sort();
}

/**
 * A test of whether the folder holding a listed file is where it seems: no folder on the way is a symbolic link
 * (a crafted index's `link/secret` would otherwise be read through the link, outside the project). One
 * realpath per folder.
 */
function realFolders(dir: string): (rel: string) => boolean {
  let root: string | undefined | null = null; // null: not resolved yet
  const seen = new Map<string, boolean>();
  return (rel) => {
    const slash = rel.lastIndexOf('/');
    if (slash < 0) return true;
    const folder = rel.slice(0, slash);
    let real = seen.get(folder);
    if (real === undefined) {
      if (root === null) root = realpathOr(dir);
      real = root !== undefined && realpathOr(path.join(dir, folder)) === path.join(root, folder);
      seen.set(folder, real);
    }
    return real;
  };
}

const realpathOr = (p: string): string | undefined => {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
};

/**
 * Computes the fingerprint of a project folder. Never throws: an unreadable file counts as missing. In a git
 * work tree left clean since the last fingerprint (same index file, nothing named by git's stat pass, the
 * files Node hashed itself unchanged) the kept files' hash is used without reading the index.
 */
export async function computeFingerprint(input: FingerprintInput): Promise<Fingerprint> {
  const dir = path.resolve(input.dir);
  const exclude = relativeExclusions(dir, input.exclude);
  const cacheFile = input.stateDir ? path.join(input.stateDir, CACHE_FILE) : undefined;
  const cache = readCache(cacheFile);
  const cleanKey = JSON.stringify([dir, exclude, GIT_ID_MAX_BYTES, FULL_HASH_MAX_BYTES]);
  const kept = cache.clean?.key === cleanKey ? cache.clean : undefined;
  let listed = await gitListing(dir, kept?.index, input.warn);
  if (listed?.unchangedSince && kept) {
    if (hashedFilesUnchanged(dir, cache.entries)) {
      const { reread } = listed.unchangedSince;
      return fingerprintOf(kept.files, input.configHash, 'git', kept.notes, () => {
        const m = new Map<string, string>();
        const now = reread();
        for (const rel of sourceFiles(now?.files ?? [], exclude)) {
          const id = now?.unchangedId(rel) ?? cache.entries[rel]?.[1];
          if (id !== undefined) m.set(rel, id);
        }
        return m;
      });
    }
    listed = await gitListing(dir, undefined, input.warn); // a file Node hashes itself changed: the whole listing
  }
  const source: Fingerprint['source'] = listed ? 'git' : 'content';
  const files = sourceFiles(listed?.files ?? walkFiles(dir), exclude);
  const next: StatCache = { version: 2, entries: {} };
  let cacheChanged = false;
  const racyAfter = Date.now() - RACY_MS;
  // The file list as two arrays (sorted paths, their ids), the files' hash fed as it is made: the Map a
  // refusal or a recorded gate reads is built only when one does (`offload status` on 30 000 files needs none).
  const paths: string[] = [];
  const ids: string[] = [];
  const filesHash = createDigest('sha256');
  // one update per ~64 KB rather than per file: the same bytes, a fraction of the calls for 30 000 files
  let pending = '';
  const add = (rel: string, id: string) => {
    paths.push(rel);
    ids.push(id);
    pending += `${rel}\0${id}\n`;
    if (pending.length > 65536) {
      filesHash.update(pending);
      pending = '';
    }
  };
  const notes: string[] = [];
  let cached = 0;
  // Every file Node hashed itself is in the stat cache and none was unreadable: a clean tree's hash may be kept.
  let keepable = true;
  let previous: string | undefined;
  const inRealFolder = realFolders(dir);
  for (const rel of files) {
    if (rel === previous) continue; // listed twice: one entry, as the Map it was
    previous = rel;
    // git vouched for it: unchanged since it was added, and its blob id is the content id
    const gitId = listed?.unchangedId(rel);
    if (gitId !== undefined) {
      add(rel, gitId);
      continue;
    }
    const abs = path.join(dir, rel);
    let st: fs.Stats;
    try {
      if (!inRealFolder(rel)) throw new Error('behind a symbolic link');
      st = fs.lstatSync(abs);
    } catch {
      keepable = false;
      continue; // deleted (still in git's index): not part of what would be deployed
    }
    if (listed && st.isDirectory() && fs.existsSync(path.join(abs, '.git'))) {
      // a submodule (or a repository inside): its files, fingerprinted afresh, stand for it; git's stat pass
      // here does not look inside it, so no kept hash may stand for this tree
      keepable = false;
      add(rel, `repository:${(await computeFingerprint({ dir: abs, configHash: '' })).parts.files}`);
      continue;
    }
    if (!st.isFile() && !st.isSymbolicLink()) continue; // sockets, FIFOs…
    const key = fileIdentity(st);
    const hit = cache.entries[rel];
    let id: string;
    if (hit && hit[0] === key) id = hit[1];
    else {
      try {
        id = contentId(abs, st);
      } catch {
        keepable = false;
        continue;
      }
      cacheChanged = true;
    }
    if (st.isFile() && (st.size > FULL_HASH_MAX_BYTES || isSparse(st)))
      notes.push(
        `${rel} (${formatBytes(st.size)}${isSparse(st) ? ', sparse' : ''}): hashed from samples, not read whole`,
      );
    add(rel, id);
    if (Math.max(st.mtimeMs, st.ctimeMs) < racyAfter) {
      next.entries[rel] = [key, id];
      cached++;
    } else {
      cacheChanged = true;
      keepable = false;
    }
  }
  filesHash.update(pending);
  const filesValue = filesHash.hex();
  if (listed?.cleanIndex && keepable)
    next.clean = {
      key: cleanKey,
      index: listed.cleanIndex,
      files: filesValue,
      ...(notes.length ? { notes } : {}),
    };
  const cleanChanged = JSON.stringify(next.clean) !== JSON.stringify(cache.clean);
  if (cacheFile && (cacheChanged || cleanChanged || Object.keys(cache.entries).length !== cached)) {
    writePrivate(cacheFile, JSON.stringify(next));
  }
  return fingerprintOf(filesValue, input.configHash, source, notes, () => {
    const m = new Map<string, string>();
    for (let i = 0; i < paths.length; i++) m.set(paths[i]!, ids[i]!);
    return m;
  });
}

/** Keeps a fingerprint's file list so a later refusal can name what changed since. */
export function rememberManifest(stateDir: string, fp: Fingerprint): void {
  const file = path.join(stateDir, MANIFEST_DIR, `${fp.value}.gz`);
  if (fs.existsSync(file)) return;
  const lines: string[] = [];
  for (const [rel, id] of fp.manifest) lines.push(`${id.slice(0, 16)} ${rel}`);
  writePrivate(file, zlib.gzipSync(lines.join('\n')));
}

/** Removes recorded file lists no gate refers to any more. */
export function pruneManifests(stateDir: string, keep: ReadonlySet<string>): void {
  const folder = path.join(stateDir, MANIFEST_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const n of names) {
    if (!keep.has(n.replace(/\.gz$/, ''))) fs.rmSync(path.join(folder, n), { force: true });
  }
}

function readManifest(stateDir: string, value: string): Map<string, string> | undefined {
  try {
    const text = zlib
      .gunzipSync(fs.readFileSync(path.join(stateDir, MANIFEST_DIR, `${value}.gz`)))
      .toString();
    const m = new Map<string, string>();
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) m.set(line.slice(sp + 1), line.slice(0, sp));
    }
    return m;
  } catch {
    return undefined;
  }
}

/** Files added, changed or removed between a recorded fingerprint and now (sorted); undefined when unknown. */
export function changedFiles(stateDir: string, thenValue: string, now: Fingerprint): string[] | undefined {
  const then = readManifest(stateDir, thenValue);
  if (!then) return undefined;
  const changed: string[] = [];
  for (const [rel, id] of now.manifest) if (then.get(rel) !== id.slice(0, 16)) changed.push(rel);
  for (const rel of then.keys()) if (!now.manifest.has(rel)) changed.push(rel);
  return changed.sort();
}

/**
 * "a.py, src/b.py, README.md +4 more". A name is the repository's: its escape, bidi and line-break characters are
 * shown as `⟨U+XXXX⟩`, never obeyed by the terminal (a committed `x\e]52;…` would write the clipboard).
 */
export function listFiles(files: readonly string[], first = 3): string {
  const shown = files
    .slice(0, first)
    .map((f) => visibleText(f, { newlines: false }))
    .join(', ');
  return files.length > first ? `${shown} +${files.length - first} more` : shown;
}

/**
 * What differs between the current fingerprint and a recorded one, in words: "the config changed",
 * "2 files changed: app.py, .env", or "files changed" when the recorded file list is gone.
 */
export function describeChange(
  now: Fingerprint,
  then: { fingerprint: string; parts: Partial<Fingerprint['parts']> } | undefined,
  stateDir?: string,
): string {
  if (!then) return 'files changed since';
  const what: string[] = [];
  if (then.parts.config !== undefined && now.parts.config !== then.parts.config)
    what.push('the config changed');
  if (then.parts.files !== now.parts.files) {
    const files = stateDir ? changedFiles(stateDir, then.fingerprint, now) : undefined;
    if (files && files.length)
      what.push(`${files.length} file${files.length === 1 ? '' : 's'} changed (${listFiles(files)})`);
    else if (!files) what.push('files changed');
  }
  return what.length ? `${what.join(', ')} since` : 'files changed since';
}
