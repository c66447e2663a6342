/**
 * Steps do not outlive Offload. A small supervisor process is tied to Offload's lifetime by a pipe: Offload
 * tells it which process groups (POSIX) or process ids (Windows) its steps run in and the cookie that marks
 * each step's processes (step-cookie.ts), and when the pipe reaches end of file — Offload exited, crashed or
 * was killed with SIGKILL — the supervisor ends them (SIGTERM, then SIGKILL after a grace period; `taskkill /T
 * /F` on Windows): the groups, and every process of the user holding a tracked cookie (Linux /proc), so a
 * step's daemons (setsid, double fork, nohup) go too. Then it exits. One supervisor per Offload process, started with
 * the first step; it holds nothing open that would keep Offload alive.
 * On Linux it also ends, when it starts, what the steps of an Offload that is gone left running (their cookie
 * names an owner no longer running, as sweepOrphanedSteps): reading every process's environment is its work,
 * in its own process, not a few hundred reads in Offload's thread pool ahead of the first step's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/** The supervisor's own code, run by the same Node (or Electron as Node) that runs Offload. */
const SUPERVISOR_SOURCE = `
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const tracked = new Set();
const cookies = new Set();
const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
// As markedProcesses in step-cookie.ts (this code runs in its own process, without Offload's modules): the
// processes of this user whose cookie matches.
const scan = (match) => {
  const out = [];
  if (process.platform !== 'linux') return out;
  let names = [];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    if (!/^\\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (uid !== undefined && fs.statSync('/proc/' + name).uid !== uid) continue;
      const vars = fs.readFileSync('/proc/' + name + '/environ', 'latin1').split('\\0');
      const v = vars.find((x) => x.startsWith('OFFLOAD_STEP_COOKIE='));
      if (v && match(v.slice(20))) out.push(Number(name));
    } catch {}
  }
  return out;
};
const marked = () => (cookies.size === 0 ? [] : scan((c) => cookies.has(c)));
// As sweepOrphanedSteps: a cookie whose owner (pid.start.random) is gone, or is a later process with its pid.
const COOKIE = /^(\\d+)\\.(\\d+|x)\\.[0-9a-f]{16}$/;
const startOf = (pid) => {
  try {
    const st = fs.readFileSync('/proc/' + pid + '/stat', 'latin1');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? undefined : f[19];
  } catch { return undefined; }
};
const orphaned = (c) => {
  const m = COOKIE.exec(c);
  if (!m) return false;
  const start = startOf(Number(m[1]));
  return start === undefined || (m[2] !== 'x' && start !== m[2]);
};
const killAll = (pids, sig) => { for (const pid of pids) { try { process.kill(pid, sig); } catch {} } };
// SIGTERM, then SIGKILL to those still there after 2 s; resolves when none is left.
const orphans = new Promise((resolve) => {
  if (process.platform !== 'linux') return resolve();
  setImmediate(() => {
    const first = scan(orphaned);
    if (!first.length) return resolve();
    killAll(first, 'SIGTERM');
    const until = Date.now() + 2000;
    const poll = setInterval(() => {
      const left = scan(orphaned);
      if (left.length && Date.now() < until) return;
      clearInterval(poll);
      killAll(left, 'SIGKILL');
      resolve();
    }, 50);
  });
});
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\\n')) >= 0) {
    const [op, id, cookie] = buf.slice(0, nl).split(' ');
    buf = buf.slice(nl + 1);
    if (op === 'x') { cookies.delete(id); continue; }
    if (op === '+' && cookie) cookies.add(cookie);
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
  for (const pid of marked()) { try { process.kill(pid, sig); } catch {} }
};
process.stdin.on('end', () => orphans.then(() => {
  if (tracked.size === 0 && marked().length === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); setTimeout(() => process.exit(0), 200); }, 2000);
}));
process.on('SIGINT', () => {}); // a Ctrl-C to the terminal's group is Offload's to handle
// The pipe is read in a burst every 250 ms, not as each line arrives: a reader waiting on a pipe is woken by
// every write, which on a busy machine cost Offload ~1 ms per step. Offload's death is seen within 250 ms.
process.stdin.pause();
setInterval(() => {
  process.stdin.resume();
  setImmediate(() => process.stdin.pause());
}, 250);
`;

/** The supervisor's scheduling priority (POSIX nice; lower priority): its start-up is background work. */
const SUPERVISOR_NICE = 10;

let supervisor: ChildProcess | null | undefined;
let supervisorExited = false;

/** What to do instead where the supervisor could not be started (the callers' fallbacks). */
let fallbacks: (() => void)[] = [];

/**
 * Lines for the supervisor, written once per turn of the event loop (a step's end sends two lines right after
 * each other; the supervisor reads them in bursts, see its source). The supervisor itself
 * is started by the first flush: its fork (~10 ms of this thread) happens while the first step already runs.
 */
let outbox = '';
const flush = () => {
  if (supervisor === undefined) {
    supervisor = start();
    const waiting = fallbacks;
    fallbacks = [];
    if (!supervisor) for (const f of waiting) f();
  }
  const text = outbox;
  outbox = '';
  if (text && supervisor?.stdin?.writable) supervisor.stdin.write(text);
};
let flushOnExit = false;
const send = (line: string) => {
  if (!outbox) setImmediate(flush);
  outbox += line;
  // Offload may end before that turn comes (`offload run … | head -1`: the reader went away, exit 141): the lines
  // go out as it exits, starting the supervisor if need be, which then sees the end at once and ends the steps.
  if (!flushOnExit) {
    flushOnExit = true;
    process.once('exit', () => {
      if (outbox) flush();
    });
  }
};

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
    // Reaped just before this runs: until then its pid cannot be handed to another process.
    child.once('exit', () => {
      supervisorExited = true;
    });
    child.stdin?.on('error', () => {
      supervisor = null;
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    // Its start-up (a whole Node, ~90 ms of CPU) yields to the step and to Offload, which it would otherwise slow
    // on a busy machine; once started it waits on the pipe, and ending steps takes it milliseconds at any nice.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, SUPERVISOR_NICE);
      } catch {
        // not allowed or gone: it runs at Offload's priority
      }
    }
    return child;
  } catch {
    return null;
  }
}

/**
 * Puts a step's process group (the pid of a child started with `spawnInGroup`) and its cookie under the
 * supervisor (started with the first step; on Linux it ends a gone Offload's leftover step processes as it
 * starts): `releaseGroup` when the child exited, `release` once the step's processes were swept; best effort
 * (without a supervisor, cancel, timeouts and the step's end still stop the tree). `unsupervised` is called
 * when no supervisor could be started.
 */
export function superviseStep(
  pid: number,
  cookie: string,
  unsupervised?: () => void,
): { releaseGroup(): void; release(): void } {
  if (supervisor === null || (supervisor && !supervisor.stdin?.writable)) {
    unsupervised?.();
    return { releaseGroup: () => {}, release: () => {} };
  }
  if (supervisor === undefined && unsupervised) fallbacks.push(unsupervised);
  send(`+ ${pid} ${cookie}\n`);
  return {
    releaseGroup: () => send(`- ${pid}\n`),
    release: () => send(`- ${pid}\nx ${cookie}\n`),
  };
}

/**
 * The supervisor's pid while it runs (tests check it ends its steps when Offload dies; a sweep skips it: its
 * environment, set here, holds no cookie).
 */
export function supervisorPid(): number | undefined {
  return supervisorExited ? undefined : supervisor?.pid;
}
