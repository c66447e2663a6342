/**
 * Linux process reader: /proc read directly with reused buffers. A scan lists /proc and reads
 * /proc/<pid>/stat only for PIDs it has not seen before or seen only recently (a young process may still
 * exec), plus every PID once per full sweep (every FULL_SWEEP_EVERY scans, to catch a late exec or a
 * re-parented process); the command line and owner are read only when a PID is new or its comm changed.
 * Callers refresh CPU time and RSS of the few processes they care about with sample(). Reads are batched
 * and the loop yields between batches so a scan never blocks the event loop for long.
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

const CLK_TCK = 100; // USER_HZ is 100 on every mainstream Linux ABI; Node cannot call sysconf().
const BATCH = 48;
/** A process younger than this has its stat re-read every scan (a wrapper may still exec a server). */
const YOUNG_SECS = 30;
const FULL_SWEEP_EVERY = 12;

interface Cached {
  last?: ProcInfo;
  start: number;
  comm: string;
  argv: string[];
  exe?: string;
  uid?: number;
  user: string;
}

/** Page size derived from our own statm vs process.memoryUsage() (4 KiB, 16 KiB or 64 KiB). */
function detectPageSize(): number {
  try {
    const pages = Number(fs.readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    const rss = process.memoryUsage().rss;
    const guess = rss / pages;
    return [4096, 16384, 65536].reduce((a, b) => (Math.abs(b - guess) < Math.abs(a - guess) ? b : a));
  } catch {
    return 4096;
  }
}

function loadUsers(): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 3 && f[0]) m.set(Number(f[2]), f[0]);
    }
  } catch {
    /* no passwd: numeric names */
  }
  return m;
}

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** Parses /proc/net/tcp{,6} text into socket inode -> listening port. Exported for tests. */
export function parseProcNetTcp(text: string, into = new Map<number, number>()): Map<number, number> {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes(' 0A ')) continue; // cheap pre-filter: only LISTEN sockets are split
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
    const local = f[1]!;
    const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    const inode = Number(f[9]);
    if (inode > 0) into.set(inode, port);
  }
  return into;
}

/** A /proc/net/tcp{,6} hex address (each 32-bit word in host order, little-endian here) as text. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => parseInt(w.slice(i, i + 2), 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff')
    return `::ffff:${bytes.slice(12).join('.')}`;
  const full = groups.join(':');
  return full === '0:0:0:0:0:0:0:0' ? '::' : full === '0:0:0:0:0:0:0:1' ? '::1' : full;
}

/**
 * Parses /proc/net/tcp{,6} text into socket inode -> the address and port it listens on (LISTEN sockets
 * only). Exported for tests.
 */
export function parseListeningSockets(
  text: string,
  into = new Map<number, { address: string; port: number }>(),
): Map<number, { address: string; port: number }> {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const local = f[1]!;
    const colon = local.lastIndexOf(':');
    const inode = Number(f[9]);
    if (inode > 0)
      into.set(inode, {
        address: hexAddress(local.slice(0, colon)),
        port: parseInt(local.slice(colon + 1), 16),
      });
  }
  return into;
}

/** Parses one /proc/<pid>/stat line (comm may hold spaces and parentheses). Exported for tests. */
export function parseProcStat(
  text: string,
  pageSize: number,
): { comm: string; ppid: number; cpuMs: number; start: number; rssBytes: number } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const comm = text.slice(open + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field N is f[N - 3].
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  const rss = Number(f[21]);
  if (!Number.isFinite(ppid) || !Number.isFinite(utime)) return null;
  return { comm, ppid, cpuMs: ((utime + stime) * 1000) / CLK_TCK, start, rssBytes: rss * pageSize };
}

/** The Linux reader (see file comment). */
export function createLinuxProcessReader(procRoot = '/proc'): ProcessReader {
  const pageSize = detectPageSize();
  const statBuf = Buffer.allocUnsafe(4096);
  const cmdBuf = Buffer.allocUnsafe(64 * 1024);
  const cache = new Map<number, Cached>();
  const socketPorts = new Map<number, { port: number; at: number }>();
  const myUid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let users: Map<number, string> | null = null;
  const myName = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return String(myUid ?? '');
    }
  })();

  const userName = (uid: number | undefined): string => {
    if (uid === undefined) return '';
    if (uid === myUid) return myName;
    users ??= loadUsers();
    return users.get(uid) ?? String(uid);
  };

  const readInto = (file: string, buf: Buffer): number => {
    let fd = -1;
    try {
      fd = fs.openSync(file, 'r');
      let n = 0;
      for (;;) {
        const r = fs.readSync(fd, buf, n, buf.length - n, null);
        if (r <= 0) break;
        n += r;
        if (n >= buf.length) break;
      }
      return n;
    } catch {
      return -1;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  };

  const readArgv = (pid: number): string[] => {
    const n = readInto(`${procRoot}/${pid}/cmdline`, cmdBuf);
    if (n <= 0) return [];
    const parts = cmdBuf.toString('utf8', 0, n).split('\0');
    while (parts.length && parts[parts.length - 1] === '') parts.pop();
    return parts;
  };

  const readOne = (pid: number): ProcInfo | null => {
    const n = readInto(`${procRoot}/${pid}/stat`, statBuf);
    if (n <= 0) return null;
    const st = parseProcStat(statBuf.toString('latin1', 0, n), pageSize);
    if (!st) return null;
    let c = cache.get(pid);
    if (!c || c.start !== st.start || c.comm !== st.comm) {
      let uid: number | undefined;
      try {
        uid = fs.statSync(`${procRoot}/${pid}`).uid;
      } catch {
        return null;
      }
      let exe: string | undefined;
      try {
        exe = fs.readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
      } catch {
        exe = undefined; // another user's process, or a kernel thread
      }
      c = {
        start: st.start,
        comm: st.comm,
        argv: readArgv(pid),
        exe,
        uid,
        user: userName(uid),
      };
      cache.set(pid, c);
    }
    return (c.last = {
      pid,
      ppid: st.ppid,
      start: st.start,
      comm: st.comm,
      argv: c.argv,
      ...(c.exe === undefined ? {} : { exe: c.exe }),
      uid: c.uid,
      user: c.user,
      cpuMs: st.cpuMs,
      rssBytes: st.rssBytes,
    });
  };
  let scans = 0;

  return {
    platform: 'linux',
    async scan() {
      const names = await fs.promises.readdir(procRoot);
      const full = scans++ % FULL_SWEEP_EVERY === 0;
      // Process age comes from its start time (ticks since boot) against /proc/uptime.
      const upLen = readInto(`${procRoot}/uptime`, statBuf);
      const uptimeTicks = upLen > 0 ? parseFloat(statBuf.toString('latin1', 0, upLen)) * CLK_TCK : Infinity;
      const out: ProcInfo[] = [];
      const seen = new Set<number>();
      let inBatch = 0;
      for (const name of names) {
        const ch = name.charCodeAt(0);
        if (ch < 48 || ch > 57) continue;
        const pid = Number(name);
        const known = cache.get(pid);
        if (known?.last && !full && uptimeTicks - known.start > YOUNG_SECS * CLK_TCK) {
          out.push(known.last);
          seen.add(pid);
          continue;
        }
        const p = readOne(pid);
        if (p) {
          out.push(p);
          seen.add(pid);
        }
        if (++inBatch >= BATCH) {
          inBatch = 0;
          await yieldLoop();
        }
      }
      for (const pid of cache.keys()) if (!seen.has(pid)) cache.delete(pid);
      return out;
    },
    sample(pids) {
      const out: ProcInfo[] = [];
      for (const pid of pids) {
        const p = readOne(pid);
        if (p) out.push(p);
      }
      return out;
    },
    async listeningPorts(pids) {
      // /proc/net/tcp{,6} is costly to read (the kernel walks its whole socket hash table), so it is read only
      // when a model server holds a socket inode not classified yet; "not listening" answers expire after 60 s
      // (a socket may be between bind() and listen() when first seen). The fd links are cheap and read sync.
      const result = new Map<number, number[]>();
      const now = Date.now();
      const socketsOf = new Map<number, number[]>();
      let unknown = false;
      for (const pid of pids) {
        const socks: number[] = [];
        try {
          const fds = fs.readdirSync(`${procRoot}/${pid}/fd`);
          for (const fd of fds.slice(0, 4096)) {
            let link: string;
            try {
              link = fs.readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
            } catch {
              continue;
            }
            if (!link.startsWith('socket:[')) continue;
            const inode = Number(link.slice(8, -1));
            socks.push(inode);
            const known = socketPorts.get(inode);
            if (!known || (known.port === 0 && now - known.at > 60_000)) unknown = true;
          }
        } catch {
          /* gone, or not ours */
        }
        socketsOf.set(pid, socks);
      }
      if (unknown) {
        const inodes = new Map<number, number>();
        for (const f of ['tcp', 'tcp6']) {
          try {
            parseProcNetTcp(await fs.promises.readFile(`${procRoot}/net/${f}`, 'latin1'), inodes);
          } catch {
            /* no IPv6 */
          }
        }
        for (const socks of socketsOf.values())
          for (const inode of socks) socketPorts.set(inode, { port: inodes.get(inode) ?? 0, at: now });
      }
      const live = new Set<number>();
      for (const [pid, socks] of socketsOf) {
        const ports = new Set<number>();
        for (const inode of socks) {
          live.add(inode);
          const port = socketPorts.get(inode)?.port;
          if (port) ports.add(port);
        }
        if (ports.size)
          result.set(
            pid,
            [...ports].sort((a, b) => a - b),
          );
      }
      for (const inode of socketPorts.keys()) if (!live.has(inode)) socketPorts.delete(inode);
      return result;
    },
    async listeningSockets(pid) {
      // Fresh, no cache: the inodes this very process holds now, against LISTEN entries of our own network
      // namespace (/proc/net is /proc/self/net), so the address reaches this socket and no other.
      const inodes = new Set<number>();
      try {
        for (const fd of fs.readdirSync(`${procRoot}/${pid}/fd`).slice(0, 65536)) {
          try {
            const link = fs.readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
            if (link.startsWith('socket:[')) inodes.add(Number(link.slice(8, -1)));
          } catch {
            /* closed meanwhile */
          }
        }
      } catch {
        return []; // gone, or not ours: nothing proven
      }
      if (inodes.size === 0) return [];
      const table = new Map<number, { address: string; port: number }>();
      for (const f of ['tcp', 'tcp6']) {
        try {
          parseListeningSockets(await fs.promises.readFile(`${procRoot}/net/${f}`, 'latin1'), table);
        } catch {
          /* no IPv6 */
        }
      }
      const out: ListeningSocket[] = [];
      for (const inode of inodes) {
        const s = table.get(inode);
        if (s && !out.some((o) => o.port === s.port && o.host === reachableHost(s.address)))
          out.push({ host: reachableHost(s.address), port: s.port });
      }
      return out.sort((a, b) => a.port - b.port);
    },
    async supervisorHints(pid): Promise<SupervisorHints> {
      const hints: SupervisorHints = {};
      try {
        hints.cgroup = await fs.promises.readFile(`${procRoot}/${pid}/cgroup`, 'utf8');
      } catch {
        /* gone */
      }
      try {
        const env: Record<string, string> = {};
        for (const kv of (await fs.promises.readFile(`${procRoot}/${pid}/environ`, 'utf8')).split('\0')) {
          const i = kv.indexOf('=');
          if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
        }
        hints.env = env;
      } catch {
        /* not ours */
      }
      return hints;
    },
    alive(pid, start) {
      const n = readInto(`${procRoot}/${pid}/stat`, statBuf);
      if (n <= 0) return false;
      const text = statBuf.toString('latin1', 0, n);
      const st = parseProcStat(text, pageSize);
      if (!st || st.start !== start) return false;
      return text.charAt(text.lastIndexOf(')') + 2) !== 'Z';
    },
    ownedByMe(p) {
      return myUid !== undefined && p.uid === myUid;
    },
    close() {
      cache.clear();
    },
  };
}
