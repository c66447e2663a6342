/**
 * Follows a step's log file while a child writes it directly (its stdout and stderr are the file): reads the
 * bytes appended after a given offset as they land, for the live tail and listeners. Polling, not fs.watch: a
 * step printing hundreds of MB would raise an inotify event per write; a poll reads whatever landed in one go.
 */
import fs from 'node:fs';

/**
 * Bytes per read, into one buffer used again and again: fresh buffers for 200 MB cost more CPU in page
 * faults than the reading itself.
 */
const READ_BYTES = 1024 * 1024;
/** Read buffers of followers that stopped, for the next step's (a fresh 1 MB per step is garbage to collect). */
const spareBuffers: Buffer[] = [];

/** Quiet polling backs off from the first to the second (the live view redraws every 100 ms). */
const POLL_MIN_MS = 10;
const POLL_MAX_MS = 100;
/**
 * What `stop()` reads at once, without a turn of the event loop, when the follower is idle: the rest of a
 * step's output is usually a few lines, and an asynchronous read costs a trip through the thread pool.
 */
const SYNC_REST_BYTES = 4 * READ_BYTES;

export interface LogFollowerOptions {
  file: string;
  /** Where this step's (attempt's) bytes begin in the file. */
  from: number;
  /** New bytes, in file order: a view of the follower's buffer, valid only during the call (copy to keep). */
  onData: (data: Buffer) => void;
  /** Called each time the follower has caught up with the end of the file. */
  onCaughtUp: () => void;
}

/** Reads a growing file from an offset until stopped; `stop()` reads what is left first. */
export class LogFollower {
  private readonly fd: number;
  private pos: number;
  private readonly buf = spareBuffers.pop() ?? Buffer.allocUnsafe(READ_BYTES);
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** Set when `stop()` read the rest itself: the loop ends without another read. */
  private drained = false;
  private readonly done: Promise<void>;

  constructor(private readonly o: LogFollowerOptions) {
    this.fd = fs.openSync(o.file, 'r');
    this.pos = o.from;
    this.done = this.follow();
  }

  /** Reads what the file holds now up to its end, then stops; resolves when it has. */
  stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.wake) {
      // Idle, no read in flight: read the rest now; past SYNC_REST_BYTES the loop reads on.
      try {
        this.drained = this.readRestSync();
        if (this.drained) this.o.onCaughtUp();
      } catch {
        this.drained = true; // the log can no longer be read (as in the loop)
      }
      this.wake();
    }
    return this.done;
  }

  /** Reads up to SYNC_REST_BYTES synchronously; whether it reached the end of the file. */
  private readRestSync(): boolean {
    for (let total = 0; total < SYNC_REST_BYTES;) {
      const n = fs.readSync(this.fd, this.buf, 0, READ_BYTES, this.pos);
      this.pos += n;
      total += n;
      if (n > 0) this.o.onData(this.buf.subarray(0, n));
      if (n < READ_BYTES) return true;
    }
    return false;
  }

  private async follow(): Promise<void> {
    let idleMs = POLL_MIN_MS;
    try {
      for (;;) {
        const last = this.stopping;
        const got = await this.readToEnd();
        this.o.onCaughtUp();
        if (last) return;
        if (this.stopping) continue; // stopped while reading: one more pass to the end
        idleMs = got ? POLL_MIN_MS : Math.min(idleMs * 2, POLL_MAX_MS);
        await new Promise<void>((resolve) => {
          const go = () => {
            this.wake = undefined;
            resolve();
          };
          this.wake = go;
          this.timer = setTimeout(go, idleMs);
        });
        if (this.drained) return;
      }
    } catch {
      /* the log can no longer be read: the live view stops here, the file itself is intact */
    } finally {
      fs.closeSync(this.fd);
      // No read is in flight any more, and onData's views were valid only during its calls.
      if (spareBuffers.length < 2) spareBuffers.push(this.buf);
    }
  }

  /** Reads until a read comes back short; whether anything was read. */
  private async readToEnd(): Promise<boolean> {
    let got = false;
    for (;;) {
      const n = await this.readOnce();
      if (n > 0) got = true;
      if (n < READ_BYTES) return got;
    }
  }

  private readOnce(): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, this.buf, 0, READ_BYTES, this.pos, (err, n) => {
        if (err) return reject(err);
        this.pos += n;
        if (n > 0) this.o.onData(this.buf.subarray(0, n));
        resolve(n);
      });
    });
  }
}
