/**
 * The bounded tail of the running step's output, for snapshots (the window, `offload run` on a TTY): the last
 * bytes kept by reference, decoded into lines only when a snapshot asks. Its unfinished last line counts as a
 * line, so a step whose output does not end in a newline (curl printing JSON) still shows it.
 */

/** Lines of the running step's output kept for snapshots. */
export const TAIL_LINES = 50;
/** Bytes of the running step's output kept to make those lines from. */
export const TAIL_BYTES = 16 * 1024;
/** Longest tail line shown. */
export const TAIL_LINE_CHARS = 1000;

/** The last TAIL_BYTES of one step's output (whole chunks, the oldest possibly more than needed). */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** Whether output before the kept bytes was dropped (their first line is then partial). */
  private cut = false;

  /** Forgets everything (a new step starts). */
  clear(): void {
    this.chunks = [];
    this.bytes = 0;
    this.cut = false;
  }

  /**
   * Keeps a chunk: a pipe-sized one by reference, a huge one only its end (copied). A `borrowed` chunk (a view
   * of a buffer its owner reuses) is copied, no more of it than is kept.
   */
  push(data: Buffer, borrowed = false): void {
    let buf = data;
    if (!buf.length) return;
    if (borrowed) buf = Buffer.from(buf.subarray(Math.max(0, buf.length - TAIL_BYTES)));
    if (data.length > TAIL_BYTES) {
      if (buf.length > 4 * TAIL_BYTES) buf = Buffer.from(buf.subarray(buf.length - TAIL_BYTES));
      this.chunks = [];
      this.bytes = 0;
      this.cut = true;
    }
    this.chunks.push(buf);
    this.bytes += buf.length;
    while (this.chunks.length > 1 && this.bytes - (this.chunks[0] as Buffer).length >= TAIL_BYTES) {
      this.bytes -= (this.chunks.shift() as Buffer).length;
      this.cut = true;
    }
  }

  /** The last TAIL_LINES lines (long ones shortened), the unfinished last line included. */
  lines(): string[] {
    if (!this.bytes) return [];
    let buf = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    let cut = this.cut;
    if (buf.length > TAIL_BYTES) {
      buf = buf.subarray(buf.length - TAIL_BYTES);
      cut = true;
    }
    const lines = buf.toString('utf8').split('\n');
    if (cut) lines.shift();
    const partial = lines.pop() ?? '';
    if (partial) lines.push(partial.length > TAIL_LINE_CHARS ? partial.slice(-TAIL_LINE_CHARS) : partial);
    return lines
      .slice(-TAIL_LINES)
      .map((l) => (l.length > TAIL_LINE_CHARS ? l.slice(0, TAIL_LINE_CHARS) + '…' : l));
  }
}
