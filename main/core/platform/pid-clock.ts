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

/** Open files of /proc read again from offset 0 (each read is a fresh reading), by path; null: cannot be opened. */
const kept = new Map<string, number | null>();
/** One buffer for every reading (readFileSync of a /proc file, whose size reads 0, allocates 64 KiB a time). */
let buf = Buffer.allocUnsafe(16 * 1024);

/**
 * A /proc file's text now. Its descriptor is kept open (close-on-exec, as every descriptor Node opens) and read
 * from offset 0: one system call a reading instead of five, several a step.
 */
const readText = (file: string): string | undefined => {
  let fd = kept.get(file);
  if (fd === undefined) {
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      fd = null;
    }
    kept.set(file, fd);
  }
  if (fd === null) return undefined;
  try {
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) return buf.toString('latin1', 0, n);
      n += got;
    }
  } catch {
    kept.delete(file); // opened again next time
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
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
  let text: string | undefined;
  try {
    text = fs.readFileSync('/proc/sys/kernel/pid_max', 'latin1');
  } catch {
    /* no /proc */
  }
  const max = Number(text?.trim());
  pidMax = sameNamespace && Number.isSafeInteger(max) && max > RESERVED_PIDS ? max : null;
  return pidMax;
}

/** The last pid and the tasks alive (/proc/loadavg: "0.20 0.18 0.12 1/80 11206"). */
function readLoad(): { last: number; tasks: number } | undefined {
  const load = /^\S+ \S+ \S+ \d+\/(\d+) (\d+)\s*$/.exec(readText('/proc/loadavg') ?? '');
  return load ? { tasks: Number(load[1]), last: Number(load[2]) } : undefined;
}

/** Forks since boot (/proc/stat `processes`). */
function readForks(): number | undefined {
  const forks = /^processes (\d+)$/m.exec(readText('/proc/stat') ?? '');
  return forks ? Number(forks[1]) : undefined;
}

/** The last pid and the tasks alive, then forks since boot. */
function read(): (PidClock & { tasks: number }) | undefined {
  const load = readLoad();
  const forks = readForks();
  return load && forks !== undefined ? { ...load, forks } : undefined;
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

/** Pids probed at most by `pidsAliveSince` before it gives up (a machine forking fast): listing /proc is then cheaper. */
const MAX_PROBES = 512;

/**
 * The processes alive now among those handed out since `since` (read before `pid`, a known child, was
 * spawned), found by looking each pid of the span up in /proc rather than listing it (a listing builds an
 * entry for every process: ~2 ms on a busy machine, per step). Complete: the span is probed until the counter
 * did not move while probing, so no pid in it can have been handed out unseen. Undefined where that cannot be
 * known (see pidsSince) or the span is long: list /proc instead.
 */
export function pidsAliveSince(since: PidClock, pid: number): number[] | undefined {
  const pidMax = limits();
  if (pidMax === null) return undefined;
  const alive: number[] = [];
  let from = since.last;
  let probes = 0;
  for (let round = 0; round < 8; round++) {
    const load = readLoad();
    if (!load) return undefined;
    if (round > 0 && load.last === from) {
      const forks = readForks();
      if (forks === undefined) return undefined;
      const now = { last: load.last, forks };
      return pidSpan({ since, now, tasks: load.tasks, pidMax })?.(pid) ? alive : undefined;
    }
    const to = load.last;
    if (to < from && to < RESERVED_PIDS) return undefined; // a wrap lands at RESERVED_PIDS or above
    // (from, to], wrapping from pid_max - 1 to RESERVED_PIDS.
    const count = from <= to ? to - from : pidMax - 1 - from + (to - RESERVED_PIDS + 1);
    probes += count;
    if (probes > MAX_PROBES) return undefined;
    for (let i = 0, p = from; i < count; i++) {
      p = p + 1 >= pidMax ? RESERVED_PIDS : p + 1;
      // A thread's id resolves too: it names its process, whose environment is the one read.
      if (p !== process.pid && fs.existsSync(`/proc/${p}`)) alive.push(p);
    }
    from = to;
  }
  return undefined;
}
