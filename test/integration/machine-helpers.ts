/**
 * Helpers for the machine-watch integration tests: copy the model-server fixtures into a private temp
 * folder, start them as real child processes, and clean up every process whose command line names that
 * folder (and only those).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export { alive } from '../helpers/process';

export const FIXTURES = path.resolve(__dirname, '../fixtures');

export interface Started {
  child: ChildProcess;
  pid: number;
  info: Record<string, unknown>;
}

/** A temp folder with the fixture scripts in `bin/` and a cleanup that ends everything started from it. */
export function fixtureSandbox(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const f of fs.readdirSync(path.join(FIXTURES, 'model-servers'))) {
    fs.copyFileSync(path.join(FIXTURES, 'model-servers', f), path.join(bin, f));
    fs.chmodSync(path.join(bin, f), 0o755);
  }
  const children: ChildProcess[] = [];

  const start = (
    cmd: string,
    args: string[],
    opts: SpawnOptions & { waitReady?: boolean } = {},
  ): Promise<Started> =>
    new Promise((resolve, reject) => {
      const exe = cmd.includes('/') ? cmd : path.join(bin, cmd);
      const child = spawn(exe, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...opts,
        env: { ...process.env, ...opts.env },
      });
      children.push(child);
      if (opts.waitReady === false) {
        child.once('spawn', () => resolve({ child, pid: child.pid!, info: {} }));
        child.once('error', reject);
        return;
      }
      let buf = '';
      let err = '';
      const t = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} not ready: ${err}`)), 15_000);
      child.stderr!.on('data', (d) => (err += String(d)));
      child.stdout!.on('data', (d) => {
        buf += String(d);
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(t);
        const info = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        resolve({ child, pid: child.pid!, info });
      });
      child.once('exit', (code) => reject(new Error(`${cmd} exited early (${code}): ${err}`)));
    });

  const cleanup = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Runners, workers and respawned children are not our direct children: end them by their command line.
    if (process.platform === 'linux') {
      for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
          if (cmd.includes(dir) && Number(name) !== process.pid) process.kill(Number(name), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  return { dir, bin, start, cleanup };
}

/** All pids whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const waitFor = async <T>(fn: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};
