/**
 * Steps do not outlive Offload. A small supervisor process is tied to Offload's lifetime by a pipe: Offload
 * tells it which process groups (POSIX) or process ids (Windows) its steps run in, and when the pipe reaches end
 * of file — Offload exited, crashed or was killed with SIGKILL — the supervisor ends them (SIGTERM, then SIGKILL
 * after a grace period; `taskkill /T /F` on Windows) and exits. One supervisor per Offload process, started with
 * the first step; it holds nothing open that would keep Offload alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The supervisor's own code, run by the same Node (or Electron as Node) that runs Offload. */
const SUPERVISOR_SOURCE = `
const { execFile } = require('node:child_process');
const tracked = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\\n')) >= 0) {
    const [op, id] = buf.slice(0, nl).split(' ');
    buf = buf.slice(nl + 1);
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n <= 1) continue;
    if (op === '+') tracked.add(n);
    else if (op === '-') tracked.delete(n);
  }
});
const signal = (sig) => {
  for (const id of tracked) {
    if (process.platform === 'win32') {
      if (sig === 'SIGKILL') execFile('taskkill', ['/PID', String(id), '/T', '/F'], { windowsHide: true }, () => {});
      continue;
    }
    try { process.kill(-id, sig); } catch {}
    try { process.kill(id, sig); } catch {}
  }
};
process.stdin.on('end', () => {
  if (tracked.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); setTimeout(() => process.exit(0), 200); }, 2000);
});
process.on('SIGINT', () => {}); // a Ctrl-C to the terminal's group is Offload's to handle
`;

let supervisor: ChildProcess | null | undefined;

function start(): ChildProcess | null {
  try {
    const child = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: process.platform !== 'win32',
      windowsHide: true,
      env: {
        PATH: process.env.PATH ?? '',
        SystemRoot: process.env.SystemRoot ?? '',
        ELECTRON_RUN_AS_NODE: '1',
      },
    });
    child.on('error', () => {
      supervisor = null;
    });
    child.stdin?.on('error', () => {
      supervisor = null;
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return child;
  } catch {
    return null;
  }
}

/**
 * Puts a step's process group (the pid of a child started with `spawnInGroup`) under the supervisor until
 * `release` is called; best effort (without a supervisor, cancel and timeouts still stop the tree).
 */
export function superviseStep(pid: number): { release(): void } {
  if (supervisor === undefined) supervisor = start();
  const s = supervisor;
  if (!s?.stdin?.writable) return { release: () => {} };
  s.stdin.write(`+ ${pid}\n`);
  return {
    release: () => {
      if (s.stdin?.writable) s.stdin.write(`- ${pid}\n`);
    },
  };
}

/** The supervisor's pid (tests check it ends its steps when Offload dies). */
export function supervisorPid(): number | undefined {
  return supervisor?.pid;
}
