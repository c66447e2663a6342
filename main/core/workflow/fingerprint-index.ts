/**
 * git's index read directly (issue 20: `offload status` on 30 000 files): the blob id, size and flags of each
 * tracked file come from the index file itself (a 2 MB read), not from a `git ls-files --debug` listing of
 * ~6 MB that git takes twice as long to print as to stat the tree. Only plain indexes are read (versions 2-4,
 * SHA-1, no split or sparse index); anything else returns undefined and the caller asks git as before.
 */
import fs from 'node:fs';

/** One tracked path: git's blob id where the index may vouch for it, '' where Node must stat and hash it. */
export interface IndexFiles {
  /** Path relative to the project folder -> blob id, or '' (not a regular file, unmerged, flagged, too big). */
  files: Map<string, string>;
  /** A `.gitattributes` is tracked anywhere in the repository (git may convert content on the way in). */
  attributes: boolean;
  /** The index file's identity when read: the caller checks it again after git's stat pass. */
  identity: string;
}

/** Entry flags: assume-unchanged, extended flags follow, the stage; extended: skip-worktree, intent-to-add. */
const ASSUME_VALID = 0x8000;
const EXTENDED = 0x4000;
const STAGE_MASK = 0x3000;
const SKIP_WORKTREE = 0x4000;
const INTENT_TO_ADD = 0x2000;
/** Fixed part of an entry before its path (SHA-1): ten 32-bit stat fields, the 20-byte id, 16-bit flags. */
const FIXED = 62;
/** Extensions that change what the entries mean: split index (`link`), sparse index (`sdir`). */
const UNSUPPORTED_EXTENSIONS = new Set(['link', 'sdir']);
const HASH_BYTES = 20;
/**
 * The longest path read (Linux's PATH_MAX): a crafted v4 index whose every entry adds a byte to the previous
 * path grows them quadratically (40 000 entries in 2.6 MB: 1.2 GB of paths). Longer: not an index read here.
 */
export const MAX_PATH_BYTES = 4096;

/**
 * A file's identity by its stat: size, mtime, ctime and inode (a rename over it: new inode and ctime; written in
 * place: mtime). The index's identity, and the key the fingerprint's stat cache keeps a content id against.
 */
export function fileIdentity(st: fs.Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/** The index's identity now ('' when it cannot be stat-ed). */
export function indexIdentity(file: string): string {
  try {
    return fileIdentity(fs.statSync(file));
  } catch {
    return '';
  }
}

/** v4's prefix length: git's offset varint (7 bits a byte, each continuation adds one). */
function varint(buf: Buffer, pos: number): [value: number, next: number] | undefined {
  let c = buf[pos++];
  if (c === undefined) return undefined;
  let value = c & 127;
  while (c & 128) {
    c = buf[pos++];
    if (c === undefined || value > 0xffffff) return undefined;
    value = ((value + 1) << 7) | (c & 127);
  }
  return [value, pos];
}

/** Whether the extensions after the entries are all ones whose absence of meaning for the entries is known. */
function extensionsSupported(buf: Buffer, pos: number): boolean {
  const end = buf.length - HASH_BYTES;
  while (pos + 8 <= end) {
    const sig = buf.toString('latin1', pos, pos + 4);
    if (UNSUPPORTED_EXTENSIONS.has(sig)) return false;
    pos += 8 + buf.readUInt32BE(pos + 4);
  }
  return pos === end;
}

/**
 * The tracked files under `prefix` (the project folder's path in the repository, `/`-terminated or '') with
 * the ids a file unchanged since it was added has (regular, stage 0, no flag that makes git skip the work
 * tree's file, at most `maxBytes`). Undefined when the index is missing, of another format, or malformed.
 */
export function readIndex(file: string, prefix: string, maxBytes: number): IndexFiles | undefined {
  let buf: Buffer;
  let identity: string;
  try {
    // never blocking: a FIFO swapped in for the index must not hang the open
    const flags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
    const fd = fs.openSync(file, flags);
    try {
      const st = fs.fstatSync(fd);
      // a sparse file (mostly holes: free to make 1 GB) is no index git wrote; its read would cost the memory
      const sparse = st.size > 1 << 20 && st.blocks * 512 < st.size / 2;
      if (!st.isFile() || st.size > 1 << 30 || sparse) return undefined;
      identity = fileIdentity(st);
      buf = Buffer.allocUnsafe(st.size);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n <= 0) return undefined;
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  try {
    return parseIndex(buf, prefix, maxBytes, identity);
  } catch {
    return undefined; // a read past the end: not an index this reader knows
  }
}

/** A v4 path (raw bytes kept as latin1, one character a byte) as UTF-8 text; ASCII, the usual case, as it is. */
const utf8 = (latin1: string) =>
  /[\x80-\xff]/.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;

/** Whether a repository path names a `.gitattributes` file. */
export const isAttributesName = (p: string) => p === '.gitattributes' || p.endsWith('/.gitattributes');

function parseIndex(buf: Buffer, prefix: string, maxBytes: number, identity: string): IndexFiles | undefined {
  if (buf.length < 12 + HASH_BYTES || buf.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = buf.readUInt32BE(8);
  const files = new Map<string, string>();
  let attributes = false;
  let pos = 12;
  let previous = '';
  for (let i = 0; i < count; i++) {
    const start = pos;
    const mode = buf.readUInt32BE(start + 24);
    const size = buf.readUInt32BE(start + 36);
    const flags = buf.readUInt16BE(start + 60);
    let extended = 0;
    let name = start + FIXED;
    if (flags & EXTENDED) {
      if (version < 3) return undefined;
      extended = buf.readUInt16BE(name);
      name += 2;
    }
    let full: string;
    if (version === 4) {
      // the previous path less `strip` bytes, then these (kept as raw bytes until decoded)
      const strip = varint(buf, name);
      if (!strip || strip[0] > previous.length) return undefined;
      const nul = buf.indexOf(0, strip[1]);
      if (nul < 0) return undefined;
      if (previous.length - strip[0] + nul - strip[1] > MAX_PATH_BYTES) return undefined;
      previous = previous.slice(0, previous.length - strip[0]) + buf.toString('latin1', strip[1], nul);
      full = utf8(previous);
      pos = nul + 1;
    } else {
      const nul = buf.indexOf(0, name);
      if (nul < 0 || nul - name > MAX_PATH_BYTES) return undefined;
      full = buf.toString('utf8', name, nul);
      pos = start + ((nul - start + 8) & ~7);
    }
    if (pos > buf.length - HASH_BYTES) return undefined;
    if (isAttributesName(full)) attributes = true;
    if (!full.startsWith(prefix)) continue;
    const rel = prefix ? full.slice(prefix.length) : full;
    const vouched =
      mode >>> 12 === 0o10 /* a regular file: 100644 or 100755 */ &&
      (flags & STAGE_MASK) === 0 &&
      !(flags & ASSUME_VALID) &&
      !(extended & (SKIP_WORKTREE | INTENT_TO_ADD)) &&
      size <= maxBytes;
    // an unmerged path is listed once per stage: any stage makes it Node's to hash
    if (!vouched) files.set(rel, '');
    else if (!files.has(rel)) files.set(rel, buf.toString('hex', start + 40, start + 40 + HASH_BYTES));
  }
  if (!extensionsSupported(buf, pos)) return undefined;
  return { files, attributes, identity };
}
