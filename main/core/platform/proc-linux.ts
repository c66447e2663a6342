/**
 * Linux process reader: /proc read directly with reused buffers. A scan lists /proc and reads
 * /proc/<pid>/stat only for PIDs it has not seen before or seen only recently (a young process may still
 * exec), plus every PID once per full sweep (every FULL_SWEEP_EVERY scans, to catch a late exec or a
 * re-parented process); the command line and owner are read only when a PID is new or its comm changed
 * (never for a kernel thread).
 * The executable link (/proc/<pid>/exe) is read only when someone asks for `exe` (classification does so
 * only for a command line that names a model server), once per process. Callers refresh CPU time and RSS
 * of the few processes they care about with sample(). Reads are batched and the loop yields between
 * batches so a scan never blocks the event loop for long.
 */
import fs from 'node:fs';
import os from 'node:os';
import {
  reachableHost,
  type ListeningSocket,
  type ProcessReader,
  type ProcInfo,
  type SupervisorHints,
} from './proc-info';
import { FULL_SWEEP_EVERY, reuseReading, SocketPortCache } from './proc-linux-cache';
import {
  CLK_TCK,
  nearestPageSize,
  parseListeningSockets,
  parseProcNetTcp,
  parseProcStat,
  parsePasswd,
  socketInode,
  type ProcStat,
} from './proc-linux-parse';

// Callback reads wrapped here, not fs.promises: loading fs/promises (and the readline module it pulls in) costs a
// one-shot command's single scan ~3 ms.
const readFileAsync = (p: string, encoding: BufferEncoding) =>
  new Promise<string>((resolve, reject) =>
    fs.readFile(p, encoding, (err, text) => (err ? reject(err) : resolve(text))),
  );

export { parseListeningSockets, parseProcNetTcp, parseProcStat } from './proc-linux-parse';

/**
 * Processes read between two turns of the event loop: what finished meanwhile is answered within ~1 ms (the git
 * that `offload status` starts beside the scan: the next git call waits for that answer).
 */
const BATCH = 12;

/**
 * A read of a /proc file shorter than this is its end. (The kernel gives a command line a page at a time: one
 * that long is read on, as any read that filled what was asked.)
 */
const PROC_READ_WHOLE = 4096;

interface Cached {
  last?: ProcInfo;
  start: number;
  comm: string;
  argv: string[];
  /** Read on first use (see exeOf); absent until then. */
  exe?: { value: string | undefined };
  uid?: number;
  user: string;
}

/** What `exe` holds when the link could not be tied to this very process (gone, or its pid reused). */
const UNPROVEN_EXE = '(gone)';

/** Page size derived from our own statm vs process.memoryUsage() (4 KiB, 16 KiB or 64 KiB). */
function detectPageSize(): number {
  try {
    const pages = Number(fs.readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    return nearestPageSize(process.memoryUsage.rss(), pages);
  } catch {
    return 4096;
  }
}

function loadUsers(): Map<number, string> {
  try {
    return parsePasswd(fs.readFileSync('/etc/passwd', 'utf8'));
  } catch {
    return new Map(); // no passwd: numeric names
  }
}

function myUserName(uid: number | undefined): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(uid ?? '');
  }
}

/**
 * Reads a file into a reused `buf` (up to `max` bytes, at most its length): the byte count, or -1 when it cannot
 * be read. /proc files are made as they are read: no stat, no fresh buffer; a read that gives less than asked
 * is their end (the kernel makes a stat or a command line whole for each read), so none is asked again.
 */
export function readInto(file: string, buf: Buffer, max = buf.length): number {
  let fd = -1;
  try {
    fd = fs.openSync(file, 'r');
    const end = Math.min(max, buf.length);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, end - n, null);
      if (r <= 0) break;
      n += r;
      if (n >= end || r < PROC_READ_WHOLE) break;
    }
    return n;
  } catch {
    return -1;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** The socket inodes a process holds (its fd links, at most `limit`); throws when its fd folder is unreadable. */
function socketInodesOf(procRoot: string, pid: number, limit: number): number[] {
  const out: number[] = [];
  for (const fd of fs.readdirSync(`${procRoot}/${pid}/fd`).slice(0, limit)) {
    try {
      const inode = socketInode(fs.readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
      if (inode !== undefined) out.push(inode);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Reads both socket tables (tcp, tcp6) through `parse`; a missing one (no IPv6) is skipped. */
async function readSocketTables(procRoot: string, parse: (text: string) => void): Promise<void> {
  for (const f of ['tcp', 'tcp6']) {
    try {
      parse(await readFileAsync(`${procRoot}/net/${f}`, 'latin1'));
    } catch {
      /* no IPv6 */
    }
  }
}

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** The Linux reader (see file comment). */
class LinuxProcessReader implements ProcessReader {
  readonly platform = 'linux' as const;
  private readonly pageSize = detectPageSize();
  private readonly statBuf = Buffer.allocUnsafe(4096);
  private readonly cmdBuf = Buffer.allocUnsafe(64 * 1024);
  private readonly cache = new Map<number, Cached>();
  private readonly socketPorts = new SocketPortCache();
  private readonly myUid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  private readonly myName = myUserName(this.myUid);
  private users: Map<number, string> | null = null;
  private scans = 0;

  constructor(private readonly procRoot: string) {}

  async scan(): Promise<ProcInfo[]> {
    // read at once (~0.1 ms): an asynchronous readdir would start libuv's thread pool for it, which a one-shot
    // `offload status` uses for nothing else
    const names = fs.readdirSync(this.procRoot);
    const full = this.scans++ % FULL_SWEEP_EVERY === 0;
    // Process age comes from its start time (ticks since boot) against /proc/uptime.
    const upLen = readInto(`${this.procRoot}/uptime`, this.statBuf);
    const uptimeTicks =
      upLen > 0 ? parseFloat(this.statBuf.toString('latin1', 0, upLen)) * CLK_TCK : Infinity;
    const out: ProcInfo[] = [];
    const seen = new Set<number>();
    let inBatch = 0;
    for (const name of names) {
      const ch = name.charCodeAt(0);
      if (ch < 48 || ch > 57) continue;
      const pid = Number(name);
      const known = this.cache.get(pid);
      const reused = reuseReading(
        known && { start: known.start, hasReading: !!known.last },
        full,
        uptimeTicks,
      );
      const p = reused ? known!.last! : this.readOne(pid);
      if (p) {
        out.push(p);
        seen.add(pid);
      }
      if (!reused && ++inBatch >= BATCH) {
        inBatch = 0;
        await yieldLoop();
      }
    }
    for (const pid of this.cache.keys()) if (!seen.has(pid)) this.cache.delete(pid);
    return out;
  }

  sample(pids: number[]): ProcInfo[] {
    const out: ProcInfo[] = [];
    for (const pid of pids) {
      const p = this.readOne(pid);
      if (p) out.push(p);
    }
    return out;
  }

  async listeningPorts(pids: number[]): Promise<Map<number, number[]>> {
    // /proc/net/tcp{,6} is costly to read (the kernel walks its whole socket hash table), so it is read only
    // when a model server holds a socket inode not classified yet; "not listening" answers expire after 60 s
    // (a socket may be between bind() and listen() when first seen). The fd links are cheap and read sync.
    const now = Date.now();
    const socketsOf = new Map<number, number[]>();
    for (const pid of pids) {
      try {
        socketsOf.set(pid, socketInodesOf(this.procRoot, pid, 4096));
      } catch {
        socketsOf.set(pid, []); // gone, or not ours
      }
    }
    const all = [...socketsOf.values()].flat();
    if (this.socketPorts.needsTables(all, now)) {
      const table = new Map<number, number>();
      await readSocketTables(this.procRoot, (text) => parseProcNetTcp(text, table));
      this.socketPorts.learn(all, table, now);
    }
    return this.socketPorts.portsOf(socketsOf);
  }

  async listeningSockets(pid: number): Promise<ListeningSocket[]> {
    // Fresh, no cache: the inodes this very process holds now, against LISTEN entries of our own network
    // namespace (/proc/net is /proc/self/net), so the address reaches this socket and no other.
    let inodes: Set<number>;
    try {
      inodes = new Set(socketInodesOf(this.procRoot, pid, 65536));
    } catch {
      return []; // gone, or not ours: nothing proven
    }
    if (inodes.size === 0) return [];
    const table = new Map<number, { address: string; port: number }>();
    await readSocketTables(this.procRoot, (text) => parseListeningSockets(text, table));
    const out: ListeningSocket[] = [];
    for (const inode of inodes) {
      const s = table.get(inode);
      if (s && !out.some((o) => o.port === s.port && o.host === reachableHost(s.address)))
        out.push({ host: reachableHost(s.address), port: s.port });
    }
    return out.sort((a, b) => a.port - b.port);
  }

  async supervisorHints(pid: number): Promise<SupervisorHints> {
    const hints: SupervisorHints = {};
    try {
      hints.cgroup = await readFileAsync(`${this.procRoot}/${pid}/cgroup`, 'utf8');
    } catch {
      /* gone */
    }
    try {
      const env: Record<string, string> = {};
      for (const kv of (await readFileAsync(`${this.procRoot}/${pid}/environ`, 'utf8')).split('\0')) {
        const i = kv.indexOf('=');
        if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
      }
      hints.env = env;
    } catch {
      /* not ours */
    }
    return hints;
  }

  alive(pid: number, start: number): boolean {
    const st = this.readStat(pid);
    return !!st && st.start === start && st.state !== 'Z';
  }

  ownedByMe(p: ProcInfo): boolean {
    return this.myUid !== undefined && p.uid === this.myUid;
  }

  close(): void {
    this.cache.clear();
  }

  private readStat(pid: number): ProcStat | null {
    const n = readInto(`${this.procRoot}/${pid}/stat`, this.statBuf);
    return n <= 0 ? null : parseProcStat(this.statBuf.toString('latin1', 0, n), this.pageSize);
  }

  private userName(uid: number | undefined): string {
    if (uid === undefined) return '';
    if (uid === this.myUid) return this.myName;
    this.users ??= loadUsers();
    return this.users.get(uid) ?? String(uid);
  }

  private readArgv(pid: number): string[] {
    const n = readInto(`${this.procRoot}/${pid}/cmdline`, this.cmdBuf);
    if (n <= 0) return [];
    const parts = this.cmdBuf.toString('utf8', 0, n).split('\0');
    while (parts.length && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }

  /** Who a (new or exec'd) process is: owner and command line; null when it is gone. */
  private identify(pid: number, st: ProcStat): Cached | null {
    // A kernel thread has neither a command line nor a user-space owner to read (and is never signalled).
    if (st.kthread) return { start: st.start, comm: st.comm, argv: [], user: '' };
    let uid: number | undefined;
    try {
      uid = fs.statSync(`${this.procRoot}/${pid}`).uid;
    } catch {
      return null;
    }
    return { start: st.start, comm: st.comm, argv: this.readArgv(pid), uid, user: this.userName(uid) };
  }

  /**
   * The executable of the process `c` describes, read once. Unreadable (another user's process, a kernel
   * thread): undefined. A link read after the process ended or from a process that now holds its pid proves
   * nothing about `c`: UNPROVEN_EXE, which matches no command line.
   */
  private exeOf(pid: number, c: Cached): string | undefined {
    if (c.exe) return c.exe.value;
    let value: string | undefined;
    try {
      value = fs.readlinkSync(`${this.procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      value = undefined; // another user's process, a kernel thread, or gone (checked below)
    }
    // Only a link read while this very process (pid + start) still ran says who it is.
    if (this.readStat(pid)?.start !== c.start) value = UNPROVEN_EXE;
    c.exe = { value };
    return value;
  }

  private readOne(pid: number): ProcInfo | null {
    const st = this.readStat(pid);
    if (!st) return null;
    let c = this.cache.get(pid);
    if (!c || c.start !== st.start || c.comm !== st.comm) {
      const who = this.identify(pid, st);
      if (!who) return null;
      this.cache.set(pid, (c = who));
    }
    const exeOf = this.exeOf.bind(this, pid, c);
    return (c.last = {
      pid,
      ppid: st.ppid,
      start: st.start,
      comm: st.comm,
      argv: c.argv,
      get exe() {
        return exeOf();
      },
      uid: c.uid,
      user: c.user,
      cpuMs: st.cpuMs,
      rssBytes: st.rssBytes,
    });
  }
}

/** The Linux reader (see file comment). */
export function createLinuxProcessReader(procRoot = '/proc'): ProcessReader {
  return new LinuxProcessReader(procRoot);
}
