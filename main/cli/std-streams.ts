/**
 * The CLI's stdout and stderr. Node makes process.stdout and process.stderr on first use, and that loads its
 * stream module (and net, for a pipe): ~5–10 ms of a short command such as `offload status` (issue 20).
 *
 * Where the fd is a file, a pipe, a socket or /dev/null (a script's, a CI job's or a bench's output), the CLI
 * writes it with fs.writeSync, as Node's own stream does for files and, on Linux, for pipes. Node's stream is
 * made when a write is refused (a non-blocking pipe's EAGAIN; a closed pipe's EPIPE, which that stream then
 * reports as bin/offload.js expects), and takes that write and all later ones. A terminal, and Windows (where
 * pipes are asynchronous), get Node's own stream.
 */
import fs from 'node:fs';

/** What the CLI writes its output with: Node's stream, or a writer of the fd (isTTY false, no columns). */
export interface OutStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Whether `fd` is open on something that is surely not a terminal (its fstat says so without loading tty). */
function surelyNotTerminal(fd: 1 | 2): boolean {
  if (process.platform === 'win32') return false;
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() || st.isFIFO() || st.isSocket()) return true;
    // a character device: a terminal, unless it is /dev/null (`> /dev/null`, a spawn's 'ignore')
    return st.isCharacterDevice() && st.rdev === fs.statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** A writer of `fd` that hands over to Node's stream (`real`) at the first write the fd refuses. */
function fdWriter(fd: 1 | 2, real: () => NodeJS.WriteStream): OutStream {
  let stream: NodeJS.WriteStream | undefined;
  return {
    isTTY: false,
    write(chunk) {
      if (stream) return stream.write(chunk);
      const bytes = Buffer.from(chunk, 'utf8');
      let done = 0;
      try {
        while (done < bytes.length) done += fs.writeSync(fd, bytes, done);
        return true;
      } catch {
        stream = real();
        return stream.write(bytes.subarray(done));
      }
    },
  };
}

let out: OutStream | undefined;
let err: OutStream | undefined;

/** The process's stdout as the CLI writes it (one per process). */
export const stdout = (): OutStream =>
  (out ??= surelyNotTerminal(1) ? fdWriter(1, () => process.stdout) : process.stdout);

/** The process's stderr as the CLI writes it (one per process). */
export const stderr = (): OutStream =>
  (err ??= surelyNotTerminal(2) ? fdWriter(2, () => process.stderr) : process.stderr);

/**
 * Has the CLI write to `streams` instead of the process's stdout and stderr: for a host that runs several
 * commands in one process and keeps each one's output (test/helpers/cli-batch.cjs).
 */
export function redirectStdStreams(streams: { out: OutStream; err: OutStream }): void {
  out = streams.out;
  err = streams.err;
}
