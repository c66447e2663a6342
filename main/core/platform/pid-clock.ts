/**
 * Which pids the kernel handed out since a moment (Linux): a step's processes are all forked after its child
 * was spawned, so a sweep for its cookie need only read the environment of those, not of every process on
 * the machine (hundreds of /proc reads per step, 5–40 ms).
 *
 * Linux hands out pids in order, from a cursor that only moves forward and wraps at pid_max
 * (idr_alloc_cyclic): every pid allocated between two moments lies in the cyclic span (last then, last now],
 * where "last" is /proc/loadavg's fifth field — unless the cursor went all the way round meanwhile. It moves
 * by one per allocation plus one per pid it skips because it is in use, so it cannot go round while
 * (forks since then, /proc/stat `processes`) + (tasks alive, /proc/loadavg) stays under pid_max minus the
 * pids reserved below 300; past that, or where any reading is missing or disagrees, the answer is "any pid".
 * Not covered, as with a cleared environment: a root process that sets the cursor itself (ns_last_pid,
 * clone3 set_tid — checkpoint/restore tools).
 */
import fs from 'node:fs';

/** Where the pid counter stood at one moment. */
export interface PidClock {
  /** The last pid handed out in this pid namespace. */
  last: number;
  /** Forks since boot, machine-wide (threads included). */
  forks: number;
}

/** pids below this are never handed out again once the counter wrapped (RESERVED_PIDS). */
const RESERVED_PIDS = 300;

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
};

let pidMax: number | null | undefined;
/** pid_max, and whether /proc names pids as this process sees them (its pid namespace); read once. */
function limits(): number | null {
  if (pidMax !== undefined) return pidMax;
  let sameNamespace = false;
  try {
    sameNamespace = fs.readlinkSync('/proc/self') === String(process.pid);
  } catch {
    /* no /proc */
  }
  const max = Number(readText('/proc/sys/kernel/pid_max')?.trim());
  pidMax = sameNamespace && Number.isSafeInteger(max) && max > RESERVED_PIDS ? max : null;
  return pidMax;
}

/** The last pid and the tasks alive (/proc/loadavg: "0.20 0.18 0.12 1/80 11206"), forks since boot. */
function read(): (PidClock & { tasks: number }) | undefined {
  const load = /^\S+ \S+ \S+ \d+\/(\d+) (\d+)\s*$/.exec(readText('/proc/loadavg') ?? '');
  const forks = /^processes (\d+)$/m.exec(readText('/proc/stat') ?? '');
  if (!load || !forks) return undefined;
  return { tasks: Number(load[1]), last: Number(load[2]), forks: Number(forks[1]) };
}

/** The pid counter now; undefined where it cannot be read (not Linux, another pid namespace's /proc). */
export function pidClock(platform: NodeJS.Platform = process.platform): PidClock | undefined {
  if (platform !== 'linux' || limits() === null) return undefined;
  const now = read();
  return now && { last: now.last, forks: now.forks };
}

/** Two readings of the pid counter and what bounds its moves between them. */
export interface PidSpanReadings {
  since: PidClock;
  now: PidClock;
  /** Tasks alive now (each holds a pid the cursor may skip). */
  tasks: number;
  pidMax: number;
}

/**
 * A test for "this pid was handed out between the two readings", or undefined when the counter may have gone
 * all the way round (or the readings make no sense) and any pid is possible.
 */
export function pidSpan(r: PidSpanReadings): ((p: number) => boolean) | undefined {
  const forks = r.now.forks - r.since.forks;
  if (forks < 1 || forks + r.tasks >= r.pidMax - RESERVED_PIDS) return undefined;
  const from = r.since.last;
  const to = r.now.last;
  if (from === to) return undefined;
  return from < to ? (p) => p > from && p <= to : (p) => p > from || p <= to;
}

/**
 * A test for "this pid was handed out after `since`" (read before `pid` was spawned), or undefined when
 * that cannot be known and every pid must be taken as possible. `pid`, a process known to be spawned after
 * `since`, checks the readings: if it is not in the span, they are not trusted. Read after listing /proc, so
 * every pid listed was handed out before this reading.
 */
export function pidsSince(since: PidClock, pid: number): ((p: number) => boolean) | undefined {
  const pidMax = limits();
  const now = pidMax === null ? undefined : read();
  if (!now || pidMax === null) return undefined;
  const inSpan = pidSpan({ since, now, tasks: now.tasks, pidMax });
  return inSpan?.(pid) ? inSpan : undefined;
}
