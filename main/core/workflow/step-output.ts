/**
 * Where one step's output goes: its log file, the run's live tail and the engine's listeners. Output comes in
 * two ways. Through JavaScript (`write`): masked bytes from a child's pipes, a kind's log lines and the
 * engine's own `[offload]` lines go to all three. Straight to the disk (`direct`): a child's stdout and
 * stderr are the log file itself, and what it writes is read back from the file and only shown (`show`).
 */
import fs from 'node:fs';
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

/** One step's log file plus the live views of it. */
export class StepOutput {
  /** The log file's path. */
  readonly file: string;
  /** While a child writes the file directly: our own descriptor for appending to it. */
  private directFd: number | undefined;

  constructor(private readonly o: StepOutputOptions) {
    this.file = String(o.log.path);
  }

  /** Writes (already masked) output to the log, the tail and listeners; false when the log asks to wait. */
  write(stream: OutputStream, data: Buffer): boolean {
    if (!data.length) return true;
    if (this.directFd !== undefined) {
      // A child owns the file now: append in place; the follower shows these bytes in order with the child's.
      fs.writeSync(this.directFd, data);
      return true;
    }
    this.show(stream, data);
    return this.o.log.write(data);
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
    this.o.log.once('drain', cb);
  }

  /** Resolves when everything written so far is in the file (before a child appends to it directly). */
  written(): Promise<void> {
    if (this.o.log.writableLength === 0) return Promise.resolve();
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
    return new Promise<void>((resolve) => this.o.log.end(resolve));
  }
}
