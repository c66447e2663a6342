/**
 * Where one step's output goes: its log file, the run's live tail and the engine's listeners. Output comes in
 * two ways. Through JavaScript (`write`): masked bytes from a child's pipes, a kind's log lines and the
 * engine's own `[offload]` lines go to all three. Straight to the disk (`direct`): a child's stdout and
 * stderr are the log file itself, and what it writes is read back from the file and only shown (`show`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MaskingStream, type Masker } from './mask';
import type { OutputTail } from './output-tail';

export type OutputStream = 'stdout' | 'stderr' | 'info';

export interface StepOutputOptions {
  /** The step's log, opened for appending (several attempts share it). */
  log: fs.WriteStream;
  /** The run's tail of the current step's output. */
  tail: OutputTail;
  /** Hands output to the engine's listeners (`borrowed`: a view of a buffer that will be reused). */
  publish: (stream: OutputStream, data: Buffer, borrowed: boolean) => void;
}

const NOTHING = Buffer.alloc(0);

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
  /** While a child writes the file directly: our own descriptor for appending to it. */
  private directFd: number | undefined;

  /** Why the log could not be written (disk full…); output is then only shown, and the step says so. */
  private logError: unknown;
  private readonly drains: (() => void)[] = [];

  constructor(private readonly o: StepOutputOptions) {
    this.file = String(o.log.path);
    o.log.on('error', (err) => this.failed(err));
  }

  private failed(err: unknown): void {
    this.logError ??= err;
    for (const cb of this.drains.splice(0)) cb();
  }

  /** Writes (already masked) output to the log, the tail and listeners; false when the log asks to wait. */
  write(stream: OutputStream, data: Buffer): boolean {
    if (!data.length) return true;
    if (this.directFd !== undefined && this.logError === undefined) {
      // A child owns the file now: append in place; the follower shows these bytes in order with the child's.
      try {
        fs.writeSync(this.directFd, data);
        return true;
      } catch (err) {
        this.failed(err);
      }
    }
    this.show(stream, data);
    // A log that failed (disk full) is left alone; the live view keeps flowing.
    return this.logError === undefined ? this.o.log.write(data) : true;
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

  /** Calls back once the log has taken what it buffered (backpressure of `write`). */
  onDrain(cb: () => void): void {
    if (this.logError !== undefined) return void setImmediate(cb);
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      this.o.log.off('drain', once);
      cb();
    };
    this.drains.push(once);
    this.o.log.once('drain', once);
  }

  /** Resolves when everything written so far is in the file (before a child appends to it directly). */
  written(): Promise<void> {
    if (this.logError !== undefined || this.o.log.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.o.log.write(NOTHING, () => resolve()));
  }

  /**
   * Opens the file for a child to append to directly; returns the descriptor and where its bytes begin.
   * Call after `written()`; `closeDirect()` when the child is done.
   */
  openDirect(): { fd: number; from: number } {
    if (this.directFd === undefined) this.directFd = fs.openSync(this.file, 'a');
    return { fd: this.directFd, from: fs.fstatSync(this.directFd).size };
  }

  /** The child is done with the file: output goes through `write` again. */
  closeDirect(): void {
    if (this.directFd === undefined) return;
    fs.closeSync(this.directFd);
    this.directFd = undefined;
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
  end(): Promise<void> {
    this.closeDirect();
    const log = this.o.log;
    if (this.logError !== undefined || log.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      log.once('close', () => resolve());
      log.end(() => resolve());
    });
  }
}
