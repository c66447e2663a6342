/**
 * macOS (and BSD) process reader: one `ps` per scan (there is no /proc). Not exercised by this repo's
 * Linux CI; argv is recovered from ps's `args` column by splitting on spaces (quotes are lost by ps).
 * Ports come from `lsof`, asked only about model-server pids.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { pidAlive } from './proc-signal';
import {
  reachableHost,
  sampleFromScan,
  splitCommandLine,
  type ProcessReader,
  type ProcInfo,
} from './proc-info';

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (_err, stdout) =>
      resolve(String(stdout ?? '')),
    );
  });
}

/** `[[dd-]hh:]mm:ss.ss` to ms. */
export function parsePsTime(t: string): number {
  let days = 0;
  let rest = t;
  const dash = t.indexOf('-');
  if (dash > 0) {
    days = Number(t.slice(0, dash));
    rest = t.slice(dash + 1);
  }
  const parts = rest.split(':').map(Number);
  let secs = 0;
  for (const p of parts) secs = secs * 60 + (Number.isFinite(p) ? p : 0);
  return Math.round((days * 86400 + secs) * 1000);
}

/** Parses `ps -axww -o pid=,ppid=,uid=,rss=,time=,args=` output. Exported for tests. */
export function parsePsOutput(text: string, userOf: (uid: number) => string): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const argv = splitCommandLine(m[6]!);
    const uid = Number(m[3]);
    out.push({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      start: 0,
      comm: (argv[0] ?? '').split('/').pop() ?? '',
      argv,
      uid,
      user: userOf(uid),
      cpuMs: parsePsTime(m[5]!),
      rssBytes: Number(m[4]) * 1024,
    });
  }
  return out;
}

/** The macOS reader (see file comment). */
export function createDarwinProcessReader(): ProcessReader {
  const myUid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const myName = os.userInfo().username;
  let last: ProcInfo[] = [];
  return {
    platform: 'darwin',
    async scan() {
      const text = await run('ps', ['-axww', '-o', 'pid=,ppid=,uid=,rss=,time=,args=']);
      last = parsePsOutput(text, (uid) => (uid === myUid ? myName : String(uid)));
      return last;
    },
    sample: (pids) => sampleFromScan(last, pids),
    async listeningPorts(pids) {
      const result = new Map<number, number[]>();
      if (pids.length === 0) return result;
      const text = await run('lsof', ['-nP', '-a', '-iTCP', '-sTCP:LISTEN', '-p', pids.join(','), '-Fpn']);
      let pid = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('p')) pid = Number(line.slice(1));
        else if (line.startsWith('n')) {
          const port = Number(line.slice(line.lastIndexOf(':') + 1));
          if (pid && port)
            result.set(
              pid,
              [...new Set([...(result.get(pid) ?? []), port])].sort((a, b) => a - b),
            );
        }
      }
      return result;
    },
    async listeningSockets(pid) {
      // lsof reads the kernel's socket table for this pid only: `n*:11434`, `n127.0.0.1:8188`, `n[::1]:8080`.
      const text = await run('lsof', ['-nP', '-a', '-iTCP', '-sTCP:LISTEN', '-p', String(pid), '-Fpn']);
      const out: { host: string; port: number }[] = [];
      for (const line of text.split('\n')) {
        if (!line.startsWith('n')) continue;
        const i = line.lastIndexOf(':');
        const port = Number(line.slice(i + 1));
        const host = reachableHost(line.slice(1, i));
        if (port && !out.some((o) => o.host === host && o.port === port)) out.push({ host, port });
      }
      return out;
    },
    async supervisorHints() {
      return {}; // launchd jobs are recognised from the parent (pid 1) plus the catalogue's label hints.
    },
    alive(pid) {
      return pidAlive(pid);
    },
    ownedByMe(p) {
      return myUid !== undefined && p.uid === myUid;
    },
    close() {},
  };
}
