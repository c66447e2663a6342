/**
 * Follows the files a glob matches by identity (device + inode) and position, as `tail -F` and log shippers
 * (Fluent Bit, Vector) do, so each line is read once: a file renamed to another matching name
 * (`app.log` → `app__2025-01-01.log`) goes on from where it was; a file renamed away or deleted has its rest read
 * (for a short grace) before it is let go; a truncated file, or one rewritten past its old size before a poll
 * (copytruncate with a burst), is told by its size and a fingerprint of its first bytes and read from the start;
 * a copy of a followed file under a matching name (copytruncate's copy) resumes where the original was.
 */
import fs from 'node:fs';
import { closeProjectFile, openProjectFile, ProjectFileError, readRange, TextTail } from '../boundary/files';

/** How many first bytes of a file identify its content (a rewrite changes them; a growth does not). */
export const HEAD_BYTES = 128;
/** Bytes before the read position kept too: a copy must agree there as well (a banner line alone is no copy). */
const MARK_BYTES = 64;
/** Polls a file renamed away or deleted is still read (a writer may finish a line before it reopens). */
const GONE_POLLS = 2;
/** Reads of a file's rest before it is let go (each at most maxRead). */
const REST_READS = 8;

/** New lines of one followed file; `source` is the name it was first followed under (notices say that name). */
export interface FollowedLines {
  source: string;
  lines: string[];
}

export interface FileFollowOptions {
  /** The longest line kept (a longer one is cut). */
  maxLine: number;
  /** At most this much of a file is read per poll. */
  maxRead: number;
  /** A matching name that is not a regular file (a FIFO, a device): said once by the caller. */
  onRefused: (file: string, why: string) => void;
}

interface Followed {
  fd: number;
  source: string;
  tail: TextTail;
  /** The first bytes read so far (up to HEAD_BYTES). */
  head: Buffer;
  /** The bytes just before `tail.lineStart` (up to MARK_BYTES). */
  mark: Buffer;
  /** Polls left after the file left the glob (renamed away, deleted); undefined while it matches. */
  gone?: number;
}

/** Where a followed file stood: its first bytes, where its next line starts and the bytes just before. */
interface Position {
  head: Buffer;
  mark: Buffer;
  at: number;
}

const identity = (st: fs.Stats) => `${st.dev}:${st.ino}`;

const markOf = (f: Followed) => {
  const at = f.tail.lineStart;
  const n = Math.min(MARK_BYTES, at);
  return readRange(f.fd, at - n, n);
};

/** Follows the files of one glob; `poll(files)` returns the lines written since the last poll. */
export class FileFollow {
  private readonly byId = new Map<string, Followed>();
  private started = false;

  constructor(private readonly o: FileFollowOptions) {}

  /** Lines new since the last poll of the files matching now (the first poll only marks where they end). */
  poll(files: readonly string[]): FollowedLines[] {
    // Where each followed file stood before this poll: a copy of one resumes there.
    const before = [...this.byId.values()].map((f) => ({ head: f.head, mark: f.mark, at: f.tail.lineStart }));
    const out: FollowedLines[] = [];
    const seen = new Set<string>();
    const fresh: [string, fs.Stats][] = [];
    for (const file of files) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      const id = identity(st);
      if (seen.has(id)) continue; // two names of one file (a hard link, a symlink): read once
      seen.add(id);
      const f = this.byId.get(id);
      if (f) {
        f.gone = undefined;
        out.push({ source: f.source, lines: this.readKnown(f, st.size) });
      } else fresh.push([file, st]);
    }
    for (const [id, f] of this.byId) {
      if (seen.has(id)) continue;
      // Renamed away or deleted: its rest is read (the descriptor still reaches it), then it is let go.
      f.gone = (f.gone ?? GONE_POLLS) - 1;
      const lines: string[] = [];
      for (let i = 0; i < REST_READS; i++) {
        const got = f.tail.read(f.fd);
        if (!got.length && f.tail.offset >= fs.fstatSync(f.fd).size) break;
        lines.push(...got);
      }
      out.push({ source: f.source, lines });
      if (f.gone <= 0) {
        closeProjectFile(f.fd);
        this.byId.delete(id);
      }
    }
    for (const [file, st] of fresh) {
      const f = this.open(file, st, before);
      if (f) out.push({ source: f.source, lines: this.readKnown(f, st.size) });
    }
    this.started = true;
    return out.filter((x) => x.lines.length > 0);
  }

  private open(file: string, st: fs.Stats, before: Position[]): Followed | undefined {
    let opened;
    try {
      // Regular files only, opened without blocking: a FIFO or device named here must not hang the watch.
      opened = openProjectFile(file, { what: 'local log' });
    } catch (err) {
      if (err instanceof ProjectFileError && err.reason === 'not-regular')
        this.o.onRefused(file, err.message);
      return undefined;
    }
    const id = identity(opened.stat);
    if (id !== identity(st) || this.byId.has(id)) {
      // Replaced between the stat and the open: the next poll sees it as it is then.
      closeProjectFile(opened.fd);
      return undefined;
    }
    const head = readRange(opened.fd, 0, Math.min(HEAD_BYTES, opened.stat.size));
    // Old lines are history: at the first poll, files are followed from their end; later, a new file from its
    // start, or a copy of a followed file from where that one was.
    const copyOf = before.find(
      (b) =>
        b.head.length > 0 &&
        b.at <= opened.stat.size &&
        head.subarray(0, b.head.length).equals(b.head) &&
        readRange(opened.fd, b.at - b.mark.length, b.mark.length).equals(b.mark),
    );
    const start = !this.started ? opened.stat.size : copyOf ? copyOf.at : 0;
    const f: Followed = {
      fd: opened.fd,
      source: file,
      tail: new TextTail({ maxLine: this.o.maxLine, maxRead: this.o.maxRead }, start),
      head: head.subarray(0, Math.min(head.length, start)),
      mark: Buffer.alloc(0),
    };
    f.mark = markOf(f);
    this.byId.set(id, f);
    return f;
  }

  /** New lines of a file still matching: read again from the start when it was truncated or rewritten. */
  private readKnown(f: Followed, size: number): string[] {
    const rewritten =
      size < f.tail.offset || (f.head.length > 0 && !readRange(f.fd, 0, f.head.length).equals(f.head));
    if (rewritten) {
      // Truncated (`> file`, copytruncate), or truncated and written again past where it was.
      f.tail.reset(0);
      f.head = Buffer.alloc(0);
    }
    const at = f.tail.offset;
    const lines = f.tail.read(f.fd);
    if (f.tail.offset !== at || rewritten) {
      if (f.head.length < HEAD_BYTES) f.head = readRange(f.fd, 0, Math.min(HEAD_BYTES, f.tail.offset));
      f.mark = markOf(f);
    }
    return lines;
  }

  /** Lets every file go. */
  close(): void {
    for (const f of this.byId.values()) closeProjectFile(f.fd);
    this.byId.clear();
  }
}
