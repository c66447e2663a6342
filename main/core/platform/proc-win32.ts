/**
 * Windows process reader: one long-lived PowerShell that answers each scan with one CIM query
 * (Win32_Process), instead of starting PowerShell per sample (issue 3 "Known traps"). Owners are asked
 * only for model-server pids. Not exercised by this repo's Linux CI.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import { pidAlive } from './proc-signal';
import type { ProcessReader, ProcInfo } from './proc-info';
import { reachableHost, sampleFromScan, splitCommandLine } from './proc-info';

const END = '<<offload-end>>';

/** The Windows reader (see file comment). */
export function createWin32ProcessReader(): ProcessReader {
  let ps: ChildProcessWithoutNullStreams | null = null;
  let buf = '';
  const queue: { script: string; resolve: (s: string) => void }[] = [];
  let busy: ((s: string) => void) | null = null;
  const me = os.userInfo().username.toLowerCase();
  // pid -> owner and creation time (ms), filled by supervisorHints() for model-server pids only.
  const owners = new Map<number, { start: number; owner: string }>();
  let last: ProcInfo[] = [];
  const ticksToMs = (t: string | undefined) => Math.round(Number(t ?? 0) / 1e4) || 0;

  const pump = () => {
    if (busy || queue.length === 0) return;
    const next = queue.shift()!;
    if (!ps) {
      ps = spawn('powershell.exe', ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '-'], {
        windowsHide: true,
      });
      ps.stdout.setEncoding('utf8');
      ps.stdout.on('data', (d: string) => {
        buf += d;
        const i = buf.indexOf(END);
        if (i >= 0 && busy) {
          const out = buf.slice(0, i);
          buf = buf.slice(i + END.length);
          const r = busy;
          busy = null;
          r(out);
          pump();
        }
      });
      ps.on('exit', () => {
        ps = null;
        if (busy) {
          const r = busy;
          busy = null;
          r('');
        }
      });
    }
    busy = next.resolve;
    ps.stdin.write(`${next.script}\nWrite-Output '${END}'\n`);
  };
  const ask = (script: string) =>
    new Promise<string>((resolve) => {
      queue.push({ script, resolve });
      pump();
    });

  return {
    platform: 'win32',
    async scan() {
      const text = await ask(
        'Get-CimInstance Win32_Process | ForEach-Object { "$($_.ProcessId)`t$($_.ParentProcessId)`t$($_.CreationDate.Ticks)`t$($_.WorkingSetSize)`t$(($_.KernelModeTime + $_.UserModeTime) / 10000)`t$($_.Name)`t$($_.CommandLine)" }',
      );
      const out: ProcInfo[] = [];
      for (const line of text.split(/\r?\n/)) {
        const f = line.split('\t');
        if (f.length < 7) continue;
        const pid = Number(f[0]);
        const argv = f[6] ? splitCommandLine(f[6]) : [f[5]!];
        const start = ticksToMs(f[2]);
        const known = owners.get(pid);
        out.push({
          pid,
          ppid: Number(f[1]),
          start,
          comm: f[5]!,
          argv,
          user: known && known.start === start ? known.owner : '',
          cpuMs: Number(f[4]) || 0,
          rssBytes: Number(f[3]) || 0,
        });
      }
      // Owners: CIM GetOwner is per process, so it is asked only for model servers (supervisorHints).
      last = out;
      return out;
    },
    sample: (pids) => sampleFromScan(last, pids),
    async listeningPorts(pids) {
      const result = new Map<number, number[]>();
      if (pids.length === 0) return result;
      const text = await ask(
        `Get-NetTCPConnection -State Listen -OwningProcess ${pids.join(',')} -ErrorAction SilentlyContinue | ForEach-Object { "$($_.OwningProcess)\`t$($_.LocalPort)" }`,
      );
      for (const line of text.split(/\r?\n/)) {
        const [pid, port] = line.split('\t').map(Number);
        if (pid && port)
          result.set(
            pid,
            [...new Set([...(result.get(pid) ?? []), port])].sort((a, b) => a - b),
          );
      }
      return result;
    },
    async listeningSockets(pid) {
      const text = await ask(
        `Get-NetTCPConnection -State Listen -OwningProcess ${pid} -ErrorAction SilentlyContinue | ForEach-Object { "$($_.LocalAddress)\`t$($_.LocalPort)" }`,
      );
      const out: { host: string; port: number }[] = [];
      for (const line of text.split(/\r?\n/)) {
        const [addr, p] = line.split('\t');
        const port = Number(p);
        const host = reachableHost(addr ?? '');
        if (port && !out.some((o) => o.host === host && o.port === port)) out.push({ host, port });
      }
      return out;
    },
    async supervisorHints(pid) {
      const text = await ask(
        `$p = Get-CimInstance Win32_Process -Filter "ProcessId=${pid}"; if ($p) { $o = Invoke-CimMethod -InputObject $p -MethodName GetOwner; "$($o.Domain)\\$($o.User)\`t$($p.CreationDate.Ticks)" }; $s = Get-CimInstance Win32_Service -Filter "ProcessId=${pid}"; if ($s) { "service\`t$($s.Name)" }`,
      );
      const env: Record<string, string> = {};
      for (const line of text.split(/\r?\n/)) {
        const [a, b] = line.split('\t');
        if (a === 'service' && b) env.WINDOWS_SERVICE = b;
        else if (a && b) {
          env.OWNER = a;
          owners.set(pid, { start: ticksToMs(b), owner: a });
        }
      }
      return { env };
    },
    alive(pid) {
      return pidAlive(pid);
    },
    ownedByMe(p) {
      const known = owners.get(p.pid);
      const o = (p.user || (known && known.start === p.start ? known.owner : '')).toLowerCase();
      return o === me || o.endsWith(`\\${me}`);
    },
    close() {
      ps?.stdin.end();
      ps?.kill();
      ps = null;
    },
  };
}
