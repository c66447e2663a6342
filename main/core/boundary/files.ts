/**
 * Bounded reads of files a project names (switch files, local logs, manifests, templates, zips, step output
 * files, the files a fingerprint hashes): regular files only, a size cap, never a blocking open, bounded memory.
 * A FIFO, device or socket is refused with its path and what it is before anything opens it; the open is
 * non-blocking (a FIFO swapped in after the check cannot hang the open) and the type is checked again on the
 * open descriptor, so a swap between the check and the open is caught too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../format';
import { writeFileAtomic } from '../platform/atomic-file';
import { isWithin } from './project-paths';

/** Why a project-named file was not read, in the user's words (the path and what it is are in the message). */
export class ProjectFileError extends Error {
  constructor(
    message: string,
    /** `missing`: no such file; `not-regular`: a FIFO, device, socket or folder; `too-big`: over the cap. */
    readonly reason: 'missing' | 'not-regular' | 'too-big' | 'unreadable',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What a bounded read may cost and how its errors name the file. */
export interface ProjectFileBounds {
  /** Refuse files larger than this many bytes (a file growing while read past it is refused too). */
  maxBytes: number;
  /** What the file is, for messages: "switch file", "local log", "manifest". */
  what: string;
  /** Refuse a symlink as the last part of the path (O_NOFOLLOW) instead of reading its target. */
  noFollow?: boolean;
}

const KINDS: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a folder'],
  [(s) => s.isFIFO(), 'a named pipe (FIFO)'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isSymbolicLink(), 'a symbolic link'],
];

/** `stat` without opening (a FIFO or device is never opened); undefined where nothing is there (or unreadable). */
export function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** What a non-regular file is ("a named pipe (FIFO)"), for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  return KINDS.find(([is]) => is(st))?.[1] ?? 'not a regular file';
}

const notRegular = (file: string, what: string, st: fs.Stats) =>
  new ProjectFileError(
    `${what} ${file} is ${fileKind(st)}, not a regular file; Offload reads only regular files here, it was not read`,
    'not-regular',
  );

const tooBig = (file: string, what: string, size: number | undefined, max: number) =>
  new ProjectFileError(
    `${what} ${file} is ${size === undefined ? 'growing past' : formatBytes(size) + ','} over the ${formatBytes(max)} Offload reads of a ${what}; it was not read`,
    'too-big',
  );

const errnoError = (file: string, what: string, err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new ProjectFileError(`${what} ${file} does not exist`, 'missing', { cause: err });
  if (code === 'ELOOP')
    return new ProjectFileError(
      `${what} ${file} is a symbolic link; Offload does not follow it here`,
      'not-regular',
      {
        cause: err,
      },
    );
  return new ProjectFileError(
    `${what} ${file} cannot be read (${code ?? (err as Error).message})`,
    'unreadable',
    {
      cause: err,
    },
  );
};

/** An open project file: its descriptor and what fstat said of it. Close it with closeProjectFile. */
export interface OpenProjectFile {
  fd: number;
  stat: fs.Stats;
}

/**
 * Opens a regular file without blocking and without reading it: checked by (l)stat first (a FIFO or device is
 * never opened), opened O_NONBLOCK (and O_NOFOLLOW when asked), then checked again on the descriptor.
 */
export function openProjectFile(file: string, o: Omit<ProjectFileBounds, 'maxBytes'>): OpenProjectFile {
  let pre: fs.Stats;
  try {
    pre = o.noFollow ? fs.lstatSync(file) : fs.statSync(file);
  } catch (err) {
    throw errnoError(file, o.what, err);
  }
  if (!pre.isFile()) throw notRegular(file, o.what, pre);
  const c = fs.constants;
  const flags = c.O_RDONLY | (c.O_NONBLOCK ?? 0) | (o.noFollow ? (c.O_NOFOLLOW ?? 0) : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    throw errnoError(file, o.what, err);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw notRegular(file, o.what, stat);
    return { fd, stat };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Closes what openProjectFile opened (never throws). */
export function closeProjectFile(f: OpenProjectFile | number): void {
  try {
    fs.closeSync(typeof f === 'number' ? f : f.fd);
  } catch {
    /* already closed */
  }
}

/** Reads at most `length` bytes at `position` into a fresh buffer (fewer at the end of the file). */
export function readRange(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let n = 0;
  while (n < length) {
    const r = fs.readSync(fd, buf, n, length - n, position + n);
    if (r <= 0) break;
    n += r;
  }
  return buf.subarray(0, n);
}

/**
 * Reads a whole project file: a regular file of at most `maxBytes`, else ProjectFileError (missing, not regular,
 * too big: refused from its size before any byte is read). Memory is bounded by the cap, whatever the file does.
 */
export function readProjectFile(file: string, o: ProjectFileBounds): Buffer {
  const f = openProjectFile(file, o);
  try {
    if (f.stat.size > o.maxBytes) throw tooBig(file, o.what, f.stat.size, o.maxBytes);
    // At most maxBytes + 1 whatever the size said: the file may grow while it is read.
    const buf = Buffer.allocUnsafe(Math.min(o.maxBytes, Math.max(f.stat.size, 4096)) + 1);
    let n = 0;
    let chunks: Buffer[] | undefined;
    let total = 0;
    for (;;) {
      if (n === buf.length) {
        // grew past the size fstat gave: keep reading into more chunks, up to the cap
        (chunks ??= []).push(Buffer.from(buf));
        n = 0;
      }
      let r: number;
      try {
        r = fs.readSync(f.fd, buf, n, buf.length - n, null);
      } catch (err) {
        throw errnoError(file, o.what, err);
      }
      if (r <= 0) break;
      n += r;
      total += r;
      if (total > o.maxBytes) throw tooBig(file, o.what, undefined, o.maxBytes);
    }
    return chunks ? Buffer.concat([...chunks, buf.subarray(0, n)]) : buf.subarray(0, n);
  } finally {
    closeProjectFile(f);
  }
}

/** readProjectFile as UTF-8 text. */
export function readProjectText(file: string, o: ProjectFileBounds): string {
  return readProjectFile(file, o).toString('utf8');
}

/** Follows a growing text file a project names (a log), a bounded chunk at a time, splitting it into lines. */
export class TextTail {
  private partial = '';
  /** The current line is longer than maxLine: the rest of it, up to its newline, is skipped. */
  private dropping = false;
  private buffer: Buffer | undefined;

  constructor(
    private readonly o: {
      /** The longest line kept: a longer one is cut there (a log with no newline cannot grow memory). */
      maxLine: number;
      /** At most this much is read per call. */
      maxRead: number;
    },
    /** Where the next read starts. */
    public offset = 0,
  ) {}

  /** Where the line being read began (the offset less a partial line): a copy of the file resumes there. */
  get lineStart(): number {
    return this.dropping ? this.offset : this.offset - Buffer.byteLength(this.partial);
  }

  /** Starts again at `offset` (after a truncation), forgetting a partial line. */
  reset(offset = 0): void {
    this.offset = offset;
    this.partial = '';
    this.dropping = false;
  }

  /** The complete lines written since the last call (at most maxRead bytes of them). */
  read(fd: number): string[] {
    const buf = (this.buffer ??= Buffer.allocUnsafe(this.o.maxRead));
    const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
    if (n <= 0) return [];
    this.offset += n;
    const parts = buf.subarray(0, n).toString('utf8').split('\n');
    const rest = parts.pop() ?? '';
    const lines: string[] = [];
    for (const p of parts) {
      const line = this.dropping ? this.partial : this.partial + p;
      lines.push(line.length > this.o.maxLine ? line.slice(0, this.o.maxLine) : line);
      this.partial = '';
      this.dropping = false;
    }
    if (!this.dropping) {
      this.partial += rest;
      if (this.partial.length > this.o.maxLine) {
        // The rest of this line, however long, is skipped up to its newline.
        this.partial = this.partial.slice(0, this.o.maxLine);
        this.dropping = true;
      }
    }
    return lines;
  }
}

/**
 * Calls `onLine` for each line of an open file, read a chunk at a time: memory stays at one chunk plus one
 * line, however big the file. A line longer than `maxLine` bytes is not decoded: `onLine` gets `undefined`
 * for it (the caller skips and reports it). The last line need not end in a newline.
 */
export function forEachLine(
  fd: number,
  maxLine: number,
  onLine: (line: string | undefined) => void,
  chunkBytes = 64 * 1024,
): void {
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let position = 0;
  const finish = () => {
    if (oversized) onLine(undefined);
    else if (pendingBytes > 0) onLine(Buffer.concat(pending, pendingBytes).toString('utf8'));
    pending = [];
    pendingBytes = 0;
    oversized = false;
  };
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunkBytes, position);
    if (n <= 0) break;
    position += n;
    let start = 0;
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 || nl >= n ? n : nl;
      const len = end - start;
      if (!oversized) {
        if (pendingBytes + len > maxLine) {
          oversized = true;
          pending = [];
          pendingBytes = 0;
        } else if (len > 0) {
          pending.push(Buffer.from(chunk.subarray(start, end)));
          pendingBytes += len;
        }
      }
      if (end === n) break;
      finish();
      start = end + 1;
    }
  }
  finish();
}

/**
 * Writes `text` atomically to `rel` inside the folder `dir` (a CI file Offload generates: `dir` is the project
 * folder, or the git repository's root holding it, named by `boundary` in messages), creating its folders. A
 * folder on the way that is a symlink leading out of `dir`, or a non-folder, is refused
 * (ProjectFileError) before anything is created or written there; the file itself, if a symlink, is replaced
 * by the new file, never written through. Returns the path written.
 */
export function writeProjectFile(
  dir: string,
  rel: string,
  text: string,
  what: string,
  boundary = 'project folder',
): string {
  const root = fs.realpathSync(dir);
  let at = root;
  for (const part of path.normalize(path.dirname(rel)).split(path.sep)) {
    if (!part || part === '.') continue;
    const next = path.join(at, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next);
    } catch {
      st = undefined;
    }
    if (!st) {
      fs.mkdirSync(next);
      at = next;
      continue;
    }
    const real = st.isSymbolicLink() ? fs.realpathSync(next) : next;
    if (!isWithin(root, real))
      throw new ProjectFileError(
        `${what}: ${path.join(dir, rel)} would be written to ${path.join(real, path.basename(rel))}, outside the ${boundary} ${root} (${next} is a symbolic link); nothing was written`,
        'not-regular',
      );
    if (!fs.statSync(real).isDirectory())
      throw new ProjectFileError(
        `${what}: ${next} is ${fileKind(fs.statSync(real))}, not a folder`,
        'not-regular',
      );
    at = real;
  }
  const file = path.join(at, path.basename(rel));
  writeFileAtomic(file, text);
  return file;
}
