/**
 * The Linux /proc text formats, parsed as pure functions: /proc/<pid>/stat lines and the /proc/net/tcp{,6}
 * socket tables. Kept apart from the reader so each format has its unit test without a /proc to read.
 */

/** USER_HZ is 100 on every mainstream Linux ABI; Node cannot call sysconf(). */
export const CLK_TCK = 100;

/** Parses /proc/net/tcp{,6} text into socket inode -> listening port. */
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
export function hexAddress(hex: string): string {
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

/** Parses /proc/net/tcp{,6} text into socket inode -> the address and port it listens on (LISTEN only). */
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

/** One /proc/<pid>/stat line's fields the reader uses; `state` 'Z' is a zombie (exited, not reaped). */
export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  cpuMs: number;
  start: number;
  rssBytes: number;
  /** A kernel thread (PF_KTHREAD): no command line, no executable, never a model server. */
  kthread?: true;
}

const PF_KTHREAD = 0x00200000;

/**
 * Parses one /proc/<pid>/stat line (comm may hold spaces and parentheses). It runs for every process a scan
 * reads, so it walks the spaces to the few fields it needs instead of splitting all fifty-odd.
 */
export function parseProcStat(text: string, pageSize: number): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Field N (1-based, as proc(5) numbers them) of the text after ") ": field 3 (state) starts there.
  const fields = new Array<string>(25);
  let at = close + 2;
  for (let n = 3; n <= 24 && at <= text.length; n++) {
    const sp = text.indexOf(' ', at);
    const end = sp < 0 ? text.length : sp;
    if (n === 3 || n === 4 || n === 9 || n === 14 || n === 15 || n === 22 || n === 24)
      fields[n] = text.slice(at, end);
    at = end + 1;
  }
  const ppid = Number(fields[4]);
  const utime = Number(fields[14]);
  const stime = Number(fields[15]);
  if (fields[4] === undefined || !Number.isFinite(ppid) || !Number.isFinite(utime)) return null;
  const st: ProcStat = {
    comm: text.slice(open + 1, close),
    state: fields[3] ?? '',
    ppid,
    cpuMs: ((utime + stime) * 1000) / CLK_TCK,
    start: Number(fields[22]),
    rssBytes: Number(fields[24]) * pageSize,
  };
  if (Number(fields[9]) & PF_KTHREAD) st.kthread = true;
  return st;
}

/** The socket inode a /proc/<pid>/fd link names (`socket:[123]`), or undefined for any other file. */
export function socketInode(link: string): number | undefined {
  return link.startsWith('socket:[') ? Number(link.slice(8, -1)) : undefined;
}

/** The page size closest to RSS / resident pages (4 KiB, 16 KiB or 64 KiB). */
export function nearestPageSize(rssBytes: number, residentPages: number): number {
  const guess = rssBytes / residentPages;
  return [4096, 16384, 65536].reduce((a, b) => (Math.abs(b - guess) < Math.abs(a - guess) ? b : a));
}

/** /etc/passwd text as uid -> user name. */
export function parsePasswd(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length > 3 && f[0]) m.set(Number(f[2]), f[0]);
  }
  return m;
}
