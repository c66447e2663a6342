/**
 * Process trees, per platform: start a step's command so its whole tree can be stopped later, and stop it.
 * POSIX: the step runs in its own process group; stopping signals the group and every descendant found in
 * the process table (including those that left the group with setsid), SIGTERM then SIGKILL after a grace
 * period. Windows: `taskkill /PID <pid> /T /F` ends the tree.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import { pidClock } from './pid-clock';
import { newStepCookie, STEP_COOKIE_VAR, sweepOrphanedSteps, type StepStart } from './step-cookie';
import { superviseStep } from './step-supervisor';
import { pidAlive } from './proc-signal';

/** A child started with spawnMarked: its cookie, and how to stop supervising it once its processes were swept. */
export interface MarkedChild {
  child: ChildProcess;
  /** OFFLOAD_STEP_COOKIE in the environment of the child and everything it starts. */
  cookie: string;
  /** The pid counter before the child was spawned (Linux): the sweep reads only processes started since. */
  start?: StepStart;
  /** Stops supervising the cookie (call after sweeping it). */
  release(): void;
}

let orphanSweep: Promise<unknown> | undefined;

/** Ends, once per process, what a killed Offload's steps left running (their owner is gone). */
export function sweepOrphansOnce(platform: NodeJS.Platform = process.platform): Promise<unknown> {
  return (orphanSweep ??= sweepOrphanedSteps({ platform }).catch(() => []));
}

/**
 * Spawns a command in its own process group (POSIX), marked with a fresh step cookie and put under the
 * supervisor, so that `killTree(child.pid)` stops its tree and a sweep of the cookie ends whatever left the
 * tree. The first call also ends processes a killed Offload left behind (sweepOrphanedSteps; on Linux the
 * supervisor does it).
 */
export function spawnMarked(
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
  platform: NodeJS.Platform = process.platform,
): MarkedChild {
  // Linux: the supervisor ends them as it starts, in its own process; elsewhere (or without one), we do.
  if (platform !== 'linux') void sweepOrphansOnce(platform);
  const cookie = newStepCookie();
  const clock = pidClock(platform);
  const child = spawn(command, args, {
    ...opts,
    env: { ...(opts.env ?? process.env), [STEP_COOKIE_VAR]: cookie },
    // POSIX: own process group (pgid = pid). Windows: no new console window; taskkill /T finds the tree.
    detached: platform !== 'win32',
    windowsHide: true,
  });
  // If Offload dies (even by SIGKILL), the supervisor ends this group and the cookie: steps never outlive it.
  const supervised =
    child.pid !== undefined
      ? superviseStep(child.pid, cookie, () => void sweepOrphansOnce(platform))
      : undefined;
  child.once('exit', () => supervised?.releaseGroup());
  const start = clock && child.pid !== undefined ? { clock, pid: child.pid } : undefined;
  return { child, cookie, start, release: () => supervised?.release() };
}

/** Spawns a command so that `killTree(child.pid)` can later stop it and everything it started. */
export function spawnInGroup(
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
  platform: NodeJS.Platform = process.platform,
): ChildProcess {
  return spawnMarked(command, args, opts, platform).child;
}

/** pid -> parent pid for every process we can see (Linux /proc, else `ps`). */
export function processTable(platform: NodeJS.Platform = process.platform): Map<number, number> {
  const table = new Map<number, number>();
  if (platform === 'linux' || platform === 'android') {
    let names: string[] = [];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      /* no /proc: fall through to ps */
    }
    if (names.length) {
      for (const name of names) {
        if (!/^\d+$/.test(name)) continue;
        try {
          const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
          // Fields after the command name (which may contain spaces and parentheses) start after the last ')'.
          const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (rest[0] === 'Z') continue; // zombies are already gone for our purposes
          table.set(Number(name), Number(rest[1]));
        } catch {
          /* exited meanwhile */
        }
      }
      return table;
    }
  }
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', windowsHide: true });
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(\d+)/.exec(line);
      if (m) table.set(Number(m[1]), Number(m[2]));
    }
  } catch {
    /* no ps: only the group signal will reach the tree */
  }
  return table;
}

/** The pid and all its descendants currently in the table (parents before children). */
export function descendants(root: number, table: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of table) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    if (pid !== root) out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * When the process at `pid` started, in platform units (Linux: clock ticks since boot, /proc/<pid>/stat field
 * 22), or undefined where unknown (gone, or a platform without a cheap reading). Recorded with a pid, it tells
 * the same process from a later one that got its pid (a reboot, a container, pid wrap-around).
 */
export function processStartTime(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): number | undefined {
  if (platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces and parentheses): field 3 is f[0], field 22 f[19].
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(f[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (!pidAlive(pid)) return false;
  if (platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already, or not ours */
  }
}

export interface KillTreeOptions {
  /** How long processes get to exit after SIGTERM before SIGKILL (default 3000 ms). */
  graceMs?: number;
  platform?: NodeJS.Platform;
}

/**
 * Stops a process started with spawnInGroup and everything it started; resolves once none of the processes
 * it found is alive (or after SIGKILL). Safe to call on a pid that already exited.
 */
export async function killTree(pid: number, opts: KillTreeOptions = {}): Promise<void> {
  const platform = opts.platform ?? process.platform;
  const graceMs = opts.graceMs ?? 3000;
  if (platform === 'win32') {
    await new Promise<void>((resolve) =>
      execFile('taskkill', ['/PID', String(pid), '/T', '/F'], { windowsHide: true }, () => resolve()),
    );
    return;
  }
  // Snapshot the tree before signalling: once a parent dies its children are re-parented and untraceable.
  const known = new Set<number>([pid, ...descendants(pid, processTable(platform))]);
  const sweep = (sig: NodeJS.Signals) => {
    signal(-pid, sig); // the whole process group
    // Descendants found again now (a dying parent may have started more) plus those seen before.
    const table = processTable(platform);
    for (const p of [...known]) for (const d of descendants(p, table)) known.add(d);
    for (const p of known) signal(p, sig);
  };
  sweep('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (![...known].some((p) => isAlive(p, platform))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  sweep('SIGKILL');
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && [...known].some((p) => isAlive(p, platform))) {
    await new Promise((r) => setTimeout(r, 10));
  }
}
