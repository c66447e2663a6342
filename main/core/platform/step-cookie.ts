/**
 * Step processes are marked, as Jenkins' process-tree killer marks build processes (BUILD_ID /
 * JENKINS_NODE_COOKIE): every step is started with OFFLOAD_STEP_COOKIE=<owner pid>.<owner start>.<random> in its
 * environment, which every descendant inherits — those that leave the process group (setsid), are re-parented
 * (double fork) or ignore hangups (nohup) included. A sweep ends every process of the current user whose
 * environment holds that exact cookie. Reading another process's environment: Linux /proc/<pid>/environ;
 * macOS `ps -E` (own processes); Windows has no cheap reading, so there only the tree (taskkill /T) is ended.
 * A process that clears its environment (env -i) loses the mark; cgroups would be needed to catch it.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pidsAliveSince, pidsSince, type PidClock } from './pid-clock';
import { isAlive, processStartTime } from './process-tree';
import { supervisorPid } from './step-supervisor';

/** The environment variable that marks a step's processes. */
export const STEP_COOKIE_VAR = 'OFFLOAD_STEP_COOKIE';

const COOKIE = /^(\d+)\.(\d+|x)\.[0-9a-f]{16}$/;

let ownStart: string | undefined;

/** A fresh cookie naming this Offload process (pid and start time) as its owner. */
export function newStepCookie(): string {
  ownStart ??= String(processStartTime(process.pid) ?? 'x');
  // 16 random hex digits of a v4 UUID (its last 12 and first 4; none of its fixed version or variant bits):
  // drawn from Node's cached entropy, not a call into the system per step as randomBytes.
  const u = crypto.randomUUID();
  return `${process.pid}.${ownStart}.${u.slice(24)}${u.slice(0, 4)}`;
}

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Where a step began: the pid counter read before its child was spawned, and the child's pid. */
export interface StepStart {
  clock: PidClock;
  pid: number;
}

/**
 * pid -> cookie of every process of the current user that carries one (this process left out). With `since`
 * (Linux), only the processes started after it are read: the others cannot hold a cookie made for it.
 */
export async function markedProcesses(
  platform: NodeJS.Platform = process.platform,
  since?: StepStart,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const prefix = `${STEP_COOKIE_VAR}=`;
  if (platform === 'linux' || platform === 'android') {
    // A step's own: the pids handed out since it started, looked up one by one (few on a quiet machine).
    const probed = since && platform === 'linux' ? pidsAliveSince(since.clock, since.pid) : undefined;
    let names: string[];
    try {
      names = probed ? probed.map(String) : fs.readdirSync('/proc');
    } catch {
      return out;
    }
    // After listing: every pid listed was handed out before this reading.
    const after = since && !probed && platform === 'linux' ? pidsSince(since.clock, since.pid) : undefined;
    const read = async (name: string) => {
      try {
        const env = await fs.promises.readFile(`/proc/${name}/environ`, 'latin1');
        const at = env.startsWith(prefix) ? 0 : env.indexOf(`\0${prefix}`) + 1;
        if (at === 0 && !env.startsWith(prefix)) return;
        // Only the user's own processes (root reads every environment).
        if (uid !== undefined && (await fs.promises.stat(`/proc/${name}`)).uid !== uid) return;
        const end = env.indexOf('\0', at);
        out.set(Number(name), env.slice(at + prefix.length, end < 0 ? env.length : end));
      } catch {
        // gone, or not readable (not ours)
      }
    };
    // The supervisor holds no cookie (its environment is Offload's own choice): not read, as it may still be
    // starting (a reader waits on its memory lock while it maps itself in, in the first step's sweep).
    const skip = supervisorPid();
    // Asynchronous reads: a process stuck holding its memory lock stalls a reader, never the event loop.
    await Promise.all(
      names
        .filter(
          (n) =>
            /^\d+$/.test(n) &&
            Number(n) !== process.pid &&
            Number(n) !== skip &&
            (!after || after(Number(n))),
        )
        .map(read),
    );
    return out;
  }
  if (platform === 'darwin') {
    try {
      const text = execFileSync('ps', ['-E', '-ww', '-x', '-o', 'pid=,command='], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const line of text.split('\n')) {
        const m = new RegExp(`^\\s*(\\d+)\\s.*\\s${prefix}(\\S+)`).exec(line);
        if (m && Number(m[1]) !== process.pid) out.set(Number(m[1]), m[2] as string);
      }
    } catch {
      // no ps
    }
  }
  return out;
}

/** The pids that hold exactly `cookie`. */
export async function processesWithCookie(
  cookie: string,
  platform: NodeJS.Platform = process.platform,
): Promise<number[]> {
  return [...(await markedProcesses(platform))].filter(([, c]) => c === cookie).map(([pid]) => pid);
}

function signalAll(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

/** How a sweep ends processes: grace before SIGKILL; `since`: all the cookies were made for a step started then. */
export interface SweepOptions {
  graceMs?: number;
  platform?: NodeJS.Platform;
  since?: StepStart;
}

/**
 * Ends the processes that hold one of `cookies` (exactly): SIGTERM, then SIGKILL to those still there after
 * `graceMs`; resolves when none is left (or 2 s after SIGKILL). Found again at each signal, so a process a
 * dying one starts is caught too.
 */
export async function sweepCookies(cookies: ReadonlySet<string>, opts: SweepOptions = {}): Promise<number[]> {
  const platform = opts.platform ?? process.platform;
  if (platform === 'win32' || cookies.size === 0) return [];
  const find = async () =>
    [...(await markedProcesses(platform, opts.since))].filter(([, c]) => cookies.has(c)).map(([pid]) => pid);
  const first = await find();
  if (!first.length) return [];
  signalAll(first, 'SIGTERM');
  const seen = new Set(first);
  const until = Date.now() + (opts.graceMs ?? 2000);
  for (;;) {
    const left = await find();
    for (const p of left) seen.add(p);
    if (!left.length) return [...seen];
    if (Date.now() >= until) break;
    signalAll(left, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 25));
  }
  const hard = Date.now() + 2000;
  for (let left = await find(); left.length && Date.now() < hard; left = await find()) {
    signalAll(left, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
  return [...seen];
}

/** Ends every process holding exactly `cookie`; the pids it found. */
export function sweepCookie(cookie: string, opts: SweepOptions = {}): Promise<number[]> {
  return sweepCookies(new Set([cookie]), opts);
}

/**
 * Ends the processes left by an Offload that is gone (killed with SIGKILL, and its supervisor with it): those
 * whose cookie names an owner that is no longer running (pid gone, or reused by a process started later).
 */
export async function sweepOrphanedSteps(
  opts: { graceMs?: number; platform?: NodeJS.Platform } = {},
): Promise<number[]> {
  const platform = opts.platform ?? process.platform;
  const orphaned = new Set<string>();
  for (const cookie of new Set((await markedProcesses(platform)).values())) {
    const m = COOKIE.exec(cookie);
    if (!m) continue;
    const owner = Number(m[1]);
    const ownerAlive =
      isAlive(owner, platform) && (m[2] === 'x' || String(processStartTime(owner, platform)) === m[2]);
    if (!ownerAlive) orphaned.add(cookie);
  }
  return sweepCookies(orphaned, opts);
}
