/** Runs the real built CLI (bin/offload.js -> dist/cli.cjs) as a child process, as users and CI do. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export { alive, waitFor } from './process';
import { trustProject } from './trust';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'bin', 'offload.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function ensureBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.cjs'))) {
    throw new Error('dist/cli.cjs is missing: run `npm run build` (npm test does it for you)');
  }
}

/** Options of a CLI run; `untrusted` leaves the project untrusted (by default it is trusted first, as a user would). */
export interface CliRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  untrusted?: boolean;
}

/**
 * Trusts the project the command would open, in the data folder it would use (`--data-dir`, else OFFLOAD_HOME):
 * these tests run commands as a user who has trusted their project.
 */
function trustFor(args: string[], opts: CliRunOptions): void {
  if (opts.untrusted) return;
  const i = args.indexOf('--data-dir');
  const dataDir = i >= 0 ? args[i + 1] : (opts.env?.OFFLOAD_HOME ?? process.env.OFFLOAD_HOME);
  if (!dataDir) return;
  const c = args.indexOf('-c') >= 0 ? args.indexOf('-c') : args.indexOf('--config');
  trustProject(opts.cwd, path.resolve(opts.cwd, dataDir), c >= 0 ? args[c + 1] : undefined);
}

export function startCli(args: string[], opts: CliRunOptions): ChildProcess {
  ensureBuilt();
  trustFor(args, opts);
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], opts: CliRunOptions & { timeoutMs?: number }): Promise<CliResult> {
  const child = startCli(args, opts);
  return collect(child, opts.timeoutMs ?? 30_000);
}

export function collect(child: ChildProcess, timeoutMs = 30_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not finish in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    // 'exit' can come before the last output was read from the pipes: resolve once they closed too (or 2 s
    // after the exit, should something the CLI started still hold them).
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      const done = () => resolve({ code, signal, stdout, stderr });
      const late = setTimeout(done, 2000);
      child.on('close', () => {
        clearTimeout(late);
        done();
      });
    });
  });
}

/** A temp folder with an offload.yml; returns its path. */
export function makeProject(yaml: string, files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-test-'));
  fs.writeFileSync(path.join(dir, 'offload.yml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'offload-data-'));
}
