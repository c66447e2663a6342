/**
 * Where one step's output goes: its log file, the run's live tail and the engine's listeners. Output comes in
 * two ways. Through JavaScript (`write`): masked bytes from a child's pipes, a kind's log lines and the
 * engine's own `[offload]` lines go to all three. Straight to the disk (`direct`): a child's stdout and
 * stderr are the log file itself, and what it writes is read back from the file and only shown (`show`).
 * The log is one descriptor opened for appending and written synchronously: a write is in the file when it
 * returns, so a child may be handed the file at once (no queue to wait for), and what the engine and the
 * child write lands in the order it was written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MaskingStream, type Masker } from './mask';
import type { OutputTail } from './output-tail';
import type { StepLogFile } from '../history';

export type OutputStream = 'stdout' | 'stderr' | 'info';

export interface StepOutputOptions {
  /** The step's log (several attempts share it); opened here, closed by `end()`. */
  log: StepLogFile;
  /** The run's tail of the current step's output. */
  tail: OutputTail;
  /** Hands output to the engine's listeners (`borrowed`: a view of a buffer that will be reused). */
  publish: (stream: OutputStream, data: Buffer, borrowed: boolean) => void;
}

/** A child may write the log itself only with this much free space: a full disk must not stop the live view. */
const DIRECT_MIN_FREE = 64 * 1024 * 1024;

/** What a failed write of a file means, in words ("disk full writing the step log at …"). */
export function writeFailure(err: unknown, what: string, file: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return `disk full writing ${what} at ${file}`;
  if (code === 'EDQUOT') return `disk quota exceeded writing ${what} at ${file}`;
  return `could not write ${what} at ${file}: ${(err as Error | undefined)?.message ?? String(err)}`;
}

/** Free bytes for this user on the file system holding `dir`; undefined where unknown. */
function freeBytes(dir: string): number | undefined {
  try {
    const st = fs.statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/** One step's log file plus the live views of it. */
export class StepOutput {
  /** The log file's path. */
  readonly file: string;
  /** The log, open for appending; undefined once ended or when it could not be opened. */
  private fd: number | undefined;
  /** Whether a child writes the file now (our writes are then shown by the follower, not here). */
  private direct = false;

  /** Why the log could not be written (disk full…); output is then only shown, and the step says so. */
  private logError: unknown;

  constructor(private readonly o: StepOutputOptions) {
    this.file = o.log.file;
    try {
      this.fd = o.log.open();
    } catch (err) {
      this.logError = err;
    }
  }

  /** Writes (already masked) output to the log, the tail and listeners. */
  write(stream: OutputStream, data: Buffer): void {
    if (!data.length) return;
    if (this.fd !== undefined && this.logError === undefined) {
      try {
        for (let at = 0; at < data.length;) at += fs.writeSync(this.fd, data, at);
      } catch (err) {
        this.logError ??= err;
      }
      // A child owns the file now: the follower shows these bytes in order with the child's.
      if (this.direct && this.logError === undefined) return;
    }
    // A log that failed (disk full) is left alone; the live view keeps flowing.
    this.show(stream, data);
  }

  /** The last lines of the step's output shown so far (masked), newest last. */
  lastLines(): string[] {
    return this.o.tail.lines();
  }

  /** Why the log could not be written, in words; undefined while it could. */
  logProblem(): string | undefined {
    return this.logError === undefined ? undefined : writeFailure(this.logError, 'the step log', this.file);
  }

  /**
   * After a child that wrote the log itself failed: "disk full writing the step log at …" when the disk
   * holding it is full (the child's own writes failed), else undefined.
   */
  diskFullAfterDirect(): string | undefined {
    const free = freeBytes(path.dirname(this.file));
    return free !== undefined && free < 64 * 1024
      ? writeFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' }), 'the step log', this.file)
      : undefined;
  }

  /** Whether a child may write the log itself: only with room to spare (else output goes through pipes). */
  roomForDirect(): boolean {
    const free = freeBytes(path.dirname(this.file));
    return free === undefined || free >= DIRECT_MIN_FREE;
  }

  /**
   * Shows output that is already in the log: to the tail and listeners only. `borrowed`: data is a view of a
   * buffer its owner reuses after this call (whoever keeps it copies it).
   */
  show(stream: OutputStream, data: Buffer, borrowed = false): void {
    if (!data.length) return;
    this.o.tail.push(data, borrowed);
    this.o.publish(stream, data, borrowed);
  }

  /**
   * The file for a child to append to directly, and where its bytes begin; undefined when the log cannot be
   * written. `closeDirect()` when the child is done.
   */
  openDirect(): { fd: number; from: number } | undefined {
    if (this.fd === undefined || this.logError !== undefined) return undefined;
    this.direct = true;
    return { fd: this.fd, from: fs.fstatSync(this.fd).size };
  }

  /** The child is done with the file: output written here is shown here again. */
  closeDirect(): void {
    this.direct = false;
  }

  /**
   * Rewrites the file from `from` on with the masker's values hidden. For a child that wrote the file directly
   * and declared a value with `::add-mask::`: the value sat in the file as written until now (it was never
   * shown: the follower masks what it reads). Rare, and paid only then.
   */
  remask(from: number, masker: Masker): void {
    const tmp = `${this.file}.masking`;
    const fd = fs.openSync(this.file, 'r+');
    const out = fs.openSync(tmp, 'w+', 0o600);
    try {
      const buf = Buffer.allocUnsafe(1024 * 1024);
      const size = fs.fstatSync(fd).size;
      const masking = new MaskingStream(masker);
      for (let pos = from; pos < size;) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
        if (!n) break;
        pos += n;
        for (const part of masking.pushParts(buf.subarray(0, n))) fs.writeSync(out, part);
      }
      fs.writeSync(out, masking.flush());
      fs.ftruncateSync(fd, from);
      const masked = fs.fstatSync(out).size;
      for (let pos = 0; pos < masked;) {
        const n = fs.readSync(out, buf, 0, buf.length, pos);
        if (!n) break;
        fs.writeSync(fd, buf, 0, n, from + pos);
        pos += n;
      }
    } finally {
      fs.closeSync(out);
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Ends the log (the step is over). */
  end(): void {
    this.closeDirect();
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }
}
