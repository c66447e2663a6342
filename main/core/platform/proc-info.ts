/**
 * What a process-table reader gives: one process, supervisor hints, the reader interface, and the command-line
 * splitter the `ps`-based readers share. Below every per-platform reader (proc-linux, proc-darwin, proc-win32).
 */
/** One process as the reader sees it. `argv` is cached per process and re-read only when it execs. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time (platform units); with pid, identifies a process across pid reuse. */
  start: number;
  /** Short name the kernel reports (Linux comm, 15 chars). */
  comm: string;
  argv: string[];
  /**
   * The executable file (Linux: /proc/<pid>/exe) where readable: the process's identity, which, unlike argv,
   * it cannot set for itself. Undefined where unknown (another user's process, other platforms).
   */
  exe?: string;
  /** Owner's numeric uid where the platform has one. */
  uid?: number;
  user: string;
  /** Cumulative user+system CPU time in ms. */
  cpuMs: number;
  rssBytes: number;
}

/** What a supervisor detector may look at for one process. */
export interface SupervisorHints {
  /** Linux /proc/<pid>/cgroup text. */
  cgroup?: string;
  /** Environment of the process where readable (own processes only). */
  env?: Record<string, string>;
}

/**
 * A TCP socket one process itself listens on, proven from the socket table (not a default port). `host` is
 * where a local client reaches that very socket: the bound address, or loopback for a wildcard bind.
 */
export interface ListeningSocket {
  host: string;
  port: number;
}

/** The loopback address that reaches a socket bound to `addr` (wildcards: loopback of the same family). */
export function reachableHost(addr: string): string {
  const a = addr.replace(/^\[|\]$/g, '');
  if (a === '0.0.0.0' || a === '*' || a === '') return '127.0.0.1';
  if (a === '::') return '::1';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a;
}

/** The process table, read cheaply. */
export interface ProcessReader {
  readonly platform: NodeJS.Platform;
  /**
   * Every process on the machine (async; yields to the event loop while reading). CPU time and RSS may be
   * from an earlier scan for long-lived processes; use sample() for the processes that are shown.
   */
  scan(): Promise<ProcInfo[]>;
  /** Fresh readings (CPU time, RSS) of the given pids; gone ones are left out. */
  sample(pids: number[]): ProcInfo[];
  /** Listening TCP ports of the given pids (model servers only; costs more than scan). */
  listeningPorts(pids: number[]): Promise<Map<number, number[]>>;
  /**
   * The TCP sockets `pid` itself listens on, read fresh from the socket table of Offload's own network
   * namespace (no cache): the only places a graceful unload may be sent. Empty when it listens on none.
   */
  listeningSockets(pid: number): Promise<ListeningSocket[]>;
  supervisorHints(pid: number): Promise<SupervisorHints>;
  /** Whether the process (pid plus its start time from scan) still runs; a zombie counts as gone. */
  alive(pid: number, start: number): boolean;
  /** Whether the current user owns `p` (only such processes are ever signalled). */
  ownedByMe(p: ProcInfo): boolean;
  close(): void;
}

/** `sample()` of a reader whose scan reads every process in one call (ps, CIM): the last scan is as fresh as it gets. */
export function sampleFromScan(last: readonly ProcInfo[], pids: readonly number[]): ProcInfo[] {
  const want = new Set(pids);
  return last.filter((p) => want.has(p.pid));
}

/** Splits a command line the way a `ps` column shows it (quotes honoured); used where argv is not available. */
export function splitCommandLine(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}
