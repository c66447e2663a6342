/**
 * The trust file, `trust.json` in the user's data folder: one entry per project, each sealed with an HMAC under
 * a key kept beside it (`trust.key`, made once per data folder), so an entry copied from another data folder or
 * another user's file is not accepted. One entry per line: a damaged file loses only its damaged lines; the
 * readable entries are kept, the damaged file is backed up before it is rewritten, and trusting one project
 * never drops another's trust. Both files are private to the user, narrowed again if something loosened them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { atomicTempName, ensurePrivateDir, PRIVATE_FILE, writeFileAtomic } from '../platform/atomic-file';
import { hmacSha256Hex, sameBytes } from '../platform/digest';

const STORE = 'trust.json';
const KEY = 'trust.key';
const VERSION = 2;
/** A trust file bigger than this is not Offload's (a few hundred bytes per project). */
const MAX_BYTES = 8 * 1024 * 1024;

/** One project's trust: the hash of its config when trusted. */
export interface TrustEntry {
  digest: string;
  at: string;
  configFile: string;
}

/** What was read from the trust file: the entries that hold, and whether anything had to be left out. */
export interface TrustRead {
  projects: Map<string, TrustEntry>;
  /** The file was unreadable, damaged, or held entries this data folder did not seal. */
  damaged: boolean;
}

/** Whether anything is at `file` (a dangling symlink too). */
const present = (file: string): boolean => {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
};

/** Narrows a file Offload keeps private (0600) if something loosened it. */
function tighten(file: string): void {
  if (process.platform === 'win32') return;
  try {
    const st = fs.lstatSync(file);
    if (st.isFile() && (st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    // gone: nothing to narrow
  }
}

/** Reads a regular file of at most MAX_BYTES; undefined when absent, throws when it is something else. */
function readBounded(file: string): Buffer | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  if (st.size > MAX_BYTES) throw new Error(`${file} is larger than ${MAX_BYTES} bytes`);
  tighten(file);
  return fs.readFileSync(file);
}

/**
 * This data folder's sealing key, made on first use. Made by writing a temp file and linking it into place, so
 * two processes starting together agree on one key and nobody reads a half-written one.
 */
function sealingKey(dataDir: string, create: boolean): Buffer | undefined {
  const file = path.join(dataDir, KEY);
  for (let attempt = 0; attempt < 2; attempt++) {
    let key: Buffer | undefined;
    try {
      key = readBounded(file);
    } catch {
      key = undefined;
    }
    if (key && key.length === 32) return key;
    if (!create) return undefined;
    ensurePrivateDir(dataDir);
    // Damaged or not a file: set aside (its seals are worthless anyway), never written through.
    if (key || present(file)) fs.renameSync(file, `${file}.bad-${Date.now()}`);
    const tmp = atomicTempName(file);
    fs.writeFileSync(tmp, crypto.randomBytes(32), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  throw new Error(`cannot make the trust key ${file}`);
}

const seal = (key: Buffer, dir: string, e: TrustEntry): string =>
  hmacSha256Hex(key, JSON.stringify([VERSION, dir, e.digest, e.at, e.configFile]));

const isEntry = (v: unknown): v is TrustEntry & { seal: string } => {
  const o = v as Record<string, unknown> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.digest === 'string' &&
    typeof o.at === 'string' &&
    typeof o.configFile === 'string' &&
    typeof o.seal === 'string'
  );
};

/** Entries from the file's text: the whole JSON when it parses, else each intact `"dir": {…}` line. */
function parseEntries(text: string): { raw: [string, unknown][]; whole: boolean } {
  try {
    const t = JSON.parse(text) as { version?: unknown; projects?: unknown };
    if (t && t.version === VERSION && t.projects && typeof t.projects === 'object')
      return { raw: Object.entries(t.projects as Record<string, unknown>), whole: true };
  } catch {
    // damaged: salvage line by line below
  }
  const raw: [string, unknown][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*("(?:[^"\\]|\\.)*")\s*:\s*(\{.*\})\s*,?\s*$/.exec(line);
    if (!m) continue;
    try {
      raw.push([JSON.parse(m[1] as string) as string, JSON.parse(m[2] as string)]);
    } catch {
      // this line is damaged; the others still count
    }
  }
  return { raw, whole: false };
}

/** Reads the trust file: entries sealed by this data folder's key; damage costs only the damaged entries. */
export function readTrust(dataDir: string): TrustRead {
  const projects = new Map<string, TrustEntry>();
  let bytes: Buffer | undefined;
  try {
    bytes = readBounded(path.join(dataDir, STORE));
  } catch {
    return { projects, damaged: true };
  }
  if (!bytes) return { projects, damaged: false };
  const { raw, whole } = parseEntries(bytes.toString('utf8'));
  const key = sealingKey(dataDir, false);
  let damaged = !whole;
  for (const [dir, v] of raw) {
    if (!isEntry(v) || !key) {
      damaged = true;
      continue;
    }
    const entry = { digest: v.digest, at: v.at, configFile: v.configFile };
    const want = Buffer.from(seal(key, dir, entry), 'hex');
    const got = Buffer.from(v.seal, 'hex');
    if (got.length === want.length && sameBytes(got, want)) projects.set(dir, entry);
    else damaged = true;
  }
  return { projects, damaged };
}

/** The file's text: valid JSON, one project per line (so damage to one line spares the others). */
function render(key: Buffer, projects: Map<string, TrustEntry>): string {
  const lines = [...projects].map(
    ([dir, e]) => `${JSON.stringify(dir)}: ${JSON.stringify({ ...e, seal: seal(key, dir, e) })}`,
  );
  return `{"version": ${VERSION}, "projects": {\n${lines.join(',\n')}\n}}\n`;
}

/**
 * Records one project's trust, keeping every other entry that holds. A damaged file is first copied aside
 * (`trust.json.damaged-<time>`) so nothing a person might want back is lost.
 */
export function writeTrust(dataDir: string, dir: string, entry: TrustEntry): void {
  ensurePrivateDir(dataDir);
  const key = sealingKey(dataDir, true) as Buffer;
  const read = readTrust(dataDir);
  const file = path.join(dataDir, STORE);
  if (read.damaged && present(file)) {
    const backup = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, backup);
    tighten(backup);
  }
  read.projects.set(dir, entry);
  writeFileAtomic(file, render(key, read.projects), PRIVATE_FILE);
}
