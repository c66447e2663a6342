/**
 * The fingerprint's file list from git, with git doing the stat pass: Node reads the tracked files and their
 * blob ids from the index file (fingerprint-index.ts) while `git ls-files -m -d -o` names the files changed,
 * deleted or untracked (nothing, in a clean tree). Node then stats and hashes only those (30 000 lstat calls
 * from Node cost several times git's own pass). Where the index is not one Node reads, one
 * `git ls-files --debug` lists everything with the ids instead.
 *
 * A blob id from the index stands for a file's raw bytes only when git converted nothing on the way in: no
 * filter driver (which would also be a program of the repository's that git runs to compare content), no
 * end-of-line conversion, no attributes file. Where any may apply, the list is used without ids (every file
 * is stat-ed and hashed by Node, as before).
 */
import os from 'node:os';
import { gitHazard, runGit } from '../boundary/git';
import { findDotGit } from '../boundary/project-paths';
import {
  configMayConvert,
  infoAttributes,
  locate,
  movesWorkTree,
  regularOrAbsent,
  type Repository,
} from './git-repository';
import {
  indexIdentity,
  isAttributesName,
  MAX_PATH_BYTES,
  readIndex,
  type IndexFiles,
} from './fingerprint-index';

/** What git lists for a fingerprint: every file, and the blob id of each one git vouches for unchanged. */
export interface GitListing {
  files: string[];
  /** The git blob id (the raw bytes' sha1, as the fingerprint's own content id) of a file git vouches for. */
  unchangedId(rel: string): string | undefined;
  /** Git's stat pass named nothing against the index read: that index's identity (a clean tree). */
  cleanIndex?: string;
  /**
   * The index is still the one `known` names and git's stat pass named nothing: the tracked files are as they
   * were then (files is empty; the index was not read). reread() lists them from the index now.
   */
  unchangedSince?: { reread(): GitListing | undefined };
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

/** One index entry or untracked file as `ls-files -t -s --debug` lists it. */
interface Entry {
  tag: number;
  /** The mode is 100644 or 100755 (a regular file: its blob id is its bytes' id). */
  regular: boolean;
  id: string;
  stage0: boolean;
  size: number;
  flags: number;
}

/** Lines git's `--debug` prints after each index entry (ctime, mtime, dev/ino, uid/gid, size/flags). */
const DEBUG_LINES = 5;
const NUL = 0;
const TAB = 9;
const NL = 10;
const SPACE = 32;
const TAG_H = 0x48;
const TAG_UNTRACKED = 0x3f; // '?'
const CTIME = Buffer.from('  ctime:');
const SIZE = Buffer.from('  size: ');
const FLAGS = Buffer.from('\tflags: ');
const UNTRACKED: Entry = { tag: TAG_UNTRACKED, regular: false, id: '', stage0: false, size: 0, flags: 0 };

/** The decimal (base 10) or hex (16) number in `buf` from `start` to `end`; NaN when not one. */
function numberAt(buf: Buffer, start: number, end: number, base: 10 | 16): number {
  if (end <= start) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const d =
      c >= 48 && c <= 57 ? c - 48 : base === 16 && (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
    if (d < 0) return NaN;
    n = n * base + d;
  }
  return n;
}

/**
 * Parses `ls-files -t -s --debug -z` output: `TAG MODE ID STAGE\tPATH\0` then, for index entries, DEBUG_LINES
 * lines (`  size: N\tflags: F` the last); untracked files are `? PATH\0`. Paths are raw (any byte but NUL),
 * decoded as UTF-8 one by one: the listing itself (~6 MB for 30 000 files) is never decoded or copied whole.
 * Returns how far it read: a record cut short at the end of `buf` is left for the next chunk.
 */
function parseListing(buf: Buffer, each: (rel: string, e: Entry) => void): number {
  let pos = 0;
  for (;;) {
    const nul = buf.indexOf(NUL, pos);
    if (nul < 0) return pos;
    if (buf[pos] === TAG_UNTRACKED && buf[pos + 1] === SPACE) {
      each(buf.toString('utf8', pos + 2, nul), UNTRACKED);
      pos = nul + 1;
      continue;
    }
    let end = nul + 1;
    let size = Infinity;
    let flags = 0;
    if (buf.length < end + CTIME.length) return pos; // its debug lines are still to come
    if (buf.compare(CTIME, 0, CTIME.length, end, end + CTIME.length) === 0) {
      let last = end;
      for (let i = 0; i < DEBUG_LINES; i++) {
        last = end;
        const nl = buf.indexOf(NL, end);
        if (nl < 0) return pos;
        end = nl + 1;
      }
      const f = buf.indexOf(FLAGS, last);
      if (buf.compare(SIZE, 0, SIZE.length, last, last + SIZE.length) === 0 && f > 0 && f < end) {
        size = numberAt(buf, last + SIZE.length, f, 10);
        flags = numberAt(buf, f + FLAGS.length, end - 1, 16) || 0;
      }
    }
    // `TAG MODE ID STAGE\tPATH`: a one-letter tag, a six-digit mode, then the id up to the next space
    const tab = buf.indexOf(TAB, pos);
    const idEnd = buf.indexOf(SPACE, pos + 9);
    const record = pos;
    pos = end;
    if (tab < 0 || tab > nul || idEnd < 0 || idEnd > tab) continue;
    const mode = buf.toString('latin1', record + 2, record + 8);
    each(buf.toString('utf8', tab + 1, nul), {
      tag: buf[record]!,
      regular: mode === '100644' || mode === '100755',
      id: buf.toString('latin1', record + 9, idEnd),
      stage0: tab === idEnd + 2 && buf[idEnd + 1] === 48,
      size: Number.isNaN(size) ? Infinity : size,
      flags,
    });
  }
}

/**
 * A reader of git's NUL-separated names as they come. A name longer than MAX_PATH_BYTES (a crafted index: git
 * prints what it holds) makes the whole answer undefined, and is never held: memory stays bounded.
 */
function nulNames(): { onStdout(chunk: Buffer): void; names(): string[] | undefined } {
  const names: string[] = [];
  let rest: Buffer = Buffer.alloc(0);
  let tooLong = false;
  return {
    onStdout(chunk) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let pos = 0;
      for (let nul = buf.indexOf(NUL, pos); nul >= 0; nul = buf.indexOf(NUL, pos)) {
        if (nul - pos > MAX_PATH_BYTES) tooLong = true;
        else if (!tooLong) names.push(buf.toString('utf8', pos, nul));
        pos = nul + 1;
      }
      rest = buf.subarray(pos);
      if (rest.length > MAX_PATH_BYTES) [tooLong, rest] = [true, Buffer.alloc(0)];
    },
    names: () => (tooLong ? undefined : names),
  };
}

/** The listing when git's ids cannot be used: the file names only, as before. */
async function namesOnly(dir: string): Promise<GitListing | undefined> {
  const reader = nulNames();
  const list = await runGit(
    dir,
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.'],
    {
      onStdout: reader.onStdout,
    },
  );
  const names = reader.names();
  if (list.code !== 0 || !names) return undefined;
  return { files: [...new Set(names.filter(Boolean))], unchangedId: () => undefined };
}

/**
 * The settings and environment every listing runs with: no attributes but the tree's, no CRLF conversion, and
 * git's full stat comparison whatever the repository's config says (`core.checkStat=minimal` with
 * `core.trustctime=false` lets a same-size rewrite with its mtime put back pass as unchanged).
 */
const LISTING_CONFIG = [
  ...['-c', `core.attributesFile=${os.devNull}`, '-c', 'core.autocrlf=false'],
  ...['-c', 'core.checkStat=default', '-c', 'core.trustctime=true', '-c', 'core.ignoreStat=false'],
];
/**
 * An ignored `.gitattributes` still applies to the files git compares (`ident`, `text`: two different files
 * read as the same blob): untracked ones are listed even where ignored, so the caller knows attributes apply.
 */
const SHOW_ATTRIBUTES = '--exclude=!.gitattributes';
const LISTING_ENV = { GIT_ATTR_NOSYSTEM: '1' };

/**
 * The files git's stat pass finds changed, deleted or untracked (names only: a clean tree prints nothing),
 * read as they come. Undefined when git fails. One git: `git diff` (its stat calls on several threads) beside
 * `ls-files --others` takes ~20 % less time on 30 000 files but ~55 % more CPU, a bad trade for a tool that
 * guards an overloaded machine (issue 20).
 */
async function changedNames(dir: string, prefix: string): Promise<string[] | undefined> {
  const reader = nulNames();
  const list = await runGit(
    dir,
    [
      ...LISTING_CONFIG,
      'ls-files',
      '--modified',
      '--deleted',
      '--others',
      '--exclude-standard',
      SHOW_ATTRIBUTES,
      '-z',
      '--',
      '.',
      ...ancestorAttributes(prefix),
    ],
    {
      env: LISTING_ENV,
      onStdout: reader.onStdout,
    },
  );
  return list.code === 0 ? reader.names() : undefined;
}

/** The `.gitattributes` of the folders above the project folder (`a/b/` -> `a/.gitattributes`, the top one). */
function ancestorAttributes(prefix: string): string[] {
  const parts = prefix.split('/').filter(Boolean);
  return parts.map((_, i) => `:(top,literal)${[...parts.slice(0, i), '.gitattributes'].join('/')}`);
}

/**
 * The changed names less the untracked `.gitattributes` that are ignored or above the project folder (listed
 * only so attributes are known to apply: not part of the fingerprint); undefined when git cannot say.
 */
async function withoutIgnoredAttributes(
  dir: string,
  changed: string[],
  tracked: ReadonlyMap<string, string>,
): Promise<string[] | undefined> {
  const asked = changed.filter((r) => isAttributesName(r) && !r.startsWith('../') && !tracked.has(r));
  const outside = changed.some((r) => r.startsWith('../'));
  if (!asked.length && !outside) return changed;
  let ignored = new Set<string>();
  if (asked.length) {
    const pathspecs = asked.map((r) => `:(literal)${r}`);
    const r = await runGit(dir, [
      'ls-files',
      '--others',
      '--ignored',
      '--exclude-standard',
      '-z',
      '--',
      ...pathspecs,
    ]);
    if (r.code !== 0) return undefined;
    ignored = new Set(r.stdout.toString('utf8').split('\0').filter(Boolean));
  }
  return changed.filter((r) => !r.startsWith('../') && !ignored.has(r));
}

/** The listing from the index as read and git's verdicts on it (the changed names hashed by Node). */
function listingOf(
  index: IndexFiles,
  changed: string[],
  identity: string,
  attributesSeen: boolean,
): GitListing {
  const listed = index.files;
  let attributes = index.attributes || attributesSeen;
  for (const rel of changed) {
    if (isAttributesName(rel)) attributes = true;
    listed.set(rel, '');
  }
  return {
    files: [...listed.keys()],
    unchangedId: attributes ? () => undefined : (rel) => listed.get(rel) || undefined,
    ...(changed.length ? {} : { cleanIndex: identity }),
  };
}

/**
 * The listing from the index file read by Node while git's names-only stat pass runs. The index's identity is
 * taken before git starts and must be the same when Node reads it and after git ends, so git's verdicts are
 * against the very entries read (an index replaced meanwhile: undefined, and the caller asks git for the
 * whole listing). When it is still `known` (a clean tree's index seen before), the index is read only if git
 * names a change.
 */
async function indexListing(
  dir: string,
  repo: Repository,
  known?: string,
  started?: StatPass,
): Promise<GitListing | undefined> {
  const before = started?.before ?? indexIdentity(repo.index);
  if (!before) return undefined;
  // git starts now (or started ahead: warmGitListing); Node reads the index meanwhile
  const stating = started?.stating ?? changedNames(dir, repo.prefix);
  const read = () => readIndex(repo.index, repo.prefix, GIT_ID_MAX_BYTES);
  const seen = known === before;
  const index = seen ? undefined : read();
  const changed = await stating;
  if (!changed || indexIdentity(repo.index) !== before) return undefined;
  if (seen && !changed.length)
    return {
      files: [],
      unchangedId: () => undefined,
      cleanIndex: before,
      unchangedSince: {
        reread: () => {
          const now = read();
          return now && listingOf(now, [], now.identity, false);
        },
      },
    };
  const entries = index ?? read();
  if (!entries || entries.identity !== before) return undefined;
  const named = await withoutIgnoredAttributes(dir, changed, entries.files);
  return named && listingOf(entries, named, before, changed.some(isAttributesName));
}

/** git's stat pass against the index, started: the index's identity taken before it started, and its answer. */
interface StatPass {
  before: string;
  stating: Promise<string[] | undefined>;
}

/** What a listing asks git first (conversion, the repository's paths) and, where it goes on, its stat pass. */
interface Asked {
  convert: boolean | 'hung';
  repo: Repository | 'hung' | undefined;
  started?: StatPass;
}

/** The listing's first questions asked ahead for a folder (warmGitListing): taken once by its listing. */
const asked = new Map<string, Promise<Asked>>();

/**
 * Asks git now what `dir`'s listing asks first, and starts its stat pass as soon as the answers say the
 * listing will run it, so git works while the command opens the rest of the project (`offload status` on a
 * large repository, issue 20). Nothing where git would not be asked.
 */
export function warmGitListing(dir: string): void {
  if (asked.has(dir) || (!findDotGit(dir) && !process.env.GIT_DIR) || gitHazard(dir) || movesWorkTree(dir))
    return;
  const answers = Promise.all([configMayConvert(dir), locate(dir)]).then(async ([convert, repo]) => {
    const a: Asked = { convert, repo };
    if (
      convert ||
      !repo ||
      repo === 'hung' ||
      !regularOrAbsent(repo.index) ||
      (await infoAttributes(dir, repo))
    )
      return a;
    const before = indexIdentity(repo.index);
    if (before) a.started = { before, stating: changedNames(dir, repo.prefix) };
    return a;
  });
  answers.catch(() => undefined); // taken (and its failure met) by the listing; never an unhandled rejection
  asked.set(dir, answers);
}

/** Hazards already reported in this process: each is said once, not at every fingerprint. */
const warned = new Set<string>();

/**
 * Tracked and untracked, non-ignored files of a git work tree under `dir` (undefined outside one, or where
 * a file git reads would block it: `warn` says so once, and the caller walks the folder). `known`: the
 * identity of a clean tree's index seen before (GitListing.unchangedSince when it still holds).
 */
export async function gitListing(
  dir: string,
  known?: string,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<GitListing | undefined> {
  if (!findDotGit(dir) && !process.env.GIT_DIR) return undefined;
  const early = asked.get(dir);
  asked.delete(dir);
  // A file git reads that would block it (a FIFO), seen before git runs or met by it: the folder walk
  const said = (): undefined => {
    const hazard = gitHazard(dir);
    if (hazard && !warned.has(hazard)) {
      warned.add(hazard);
      warn(
        `offload: warning: git is not run on this repository: ${hazard}; the fingerprint lists the project's files by walking the folder`,
      );
    }
    return undefined;
  };
  if (gitHazard(dir)) return said();
  if (movesWorkTree(dir)) return undefined; // git would list another folder's files
  return (await listWithGit(dir, known, early)) ?? said();
}

async function listWithGit(
  dir: string,
  known: string | undefined,
  early: Promise<Asked> | undefined,
): Promise<GitListing | undefined> {
  const { convert, repo, started }: Asked = early
    ? await early
    : await Promise.all([configMayConvert(dir), locate(dir)]).then(([c, r]) => ({ convert: c, repo: r }));
  // git blocked on its configuration, or would block on an index that is no regular file: no listing from it
  if (convert === 'hung' || repo === 'hung' || (repo && !regularOrAbsent(repo.index))) return undefined;
  if (convert || (await infoAttributes(dir, repo))) return namesOnly(dir);
  return (repo && (await indexListing(dir, repo, known, started))) ?? debugListing(dir);
}

/** The whole listing from git (`ls-files --debug`, ~6 MB for 30 000 files): where the index is not read. */
async function debugListing(dir: string): Promise<GitListing | undefined> {
  // path -> git's blob id where git vouches for the file unchanged, else '' (Node stats and hashes it)
  const listed = new Map<string, string>();
  let attributes = false;
  const untrackedAttributes: string[] = [];
  let tooLong = false;
  const add = (rel: string, e: Entry) => {
    if (rel.length > MAX_PATH_BYTES) {
      tooLong = true; // a crafted index: see MAX_PATH_BYTES
      return;
    }
    if (isAttributesName(rel)) {
      attributes = true;
      if (e.tag === TAG_UNTRACKED) untrackedAttributes.push(rel);
    }
    // modified (C), deleted (R), unmerged, skip-worktree (S), untracked (?): Node stats and hashes them
    if (e.tag !== TAG_H || !e.stage0) listed.set(rel, '');
    else if (
      e.regular &&
      e.id.length === 40 /* sha1 (a sha256 repository's ids are not the content ids) */ &&
      e.size <= GIT_ID_MAX_BYTES &&
      !(e.flags & (ASSUME_UNCHANGED | INTENT_TO_ADD | SKIP_WORKTREE))
    ) {
      // listed again later as modified or deleted: that listing wins
      if (!listed.has(rel)) listed.set(rel, e.id);
    } else listed.set(rel, '');
  };
  let rest: Buffer = Buffer.alloc(0);
  const list = await runGit(
    dir,
    [
      ...[...LISTING_CONFIG, 'ls-files'],
      ...['--cached', '--others', '--modified', '--deleted', '--exclude-standard', SHOW_ATTRIBUTES],
      ...['-t', '-s', '--debug', '-z', '--', '.'],
    ],
    {
      env: LISTING_ENV,
      // read as it comes: 30 000 files are ~6 MB of listing, never held whole
      onStdout: (chunk) => {
        const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        rest = buf.subarray(parseListing(buf, add));
        // one record: a path and its debug lines; more without its end is a path past MAX_PATH_BYTES
        if (rest.length > 2 * MAX_PATH_BYTES) [tooLong, rest] = [true, Buffer.alloc(0)];
      },
    },
  );
  // the last record: its debug lines end the output
  parseListing(Buffer.concat([rest, Buffer.alloc(CTIME.length + DEBUG_LINES)]), add);
  if (list.code !== 0 || tooLong) return undefined;
  const kept = await withoutIgnoredAttributes(dir, untrackedAttributes, new Map());
  if (!kept) return undefined;
  for (const rel of untrackedAttributes) if (!kept.includes(rel)) listed.delete(rel);
  return {
    files: [...listed.keys()],
    unchangedId: attributes ? () => undefined : (rel) => listed.get(rel) || undefined,
  };
}
