/**
 * Many CLI commands in one real process (test/helpers/cli-batch.cjs calls dist/cli.js's main() per case): for
 * suites of many small cases where a process per case would be mostly Node's start and the bundle's load.
 * A case that crashes the process (a heap blow-up, a fatal error) or stalls it past `stallMs` is reported as
 * such, and the remaining cases run on in a fresh process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliResult } from './cli';

/** One command: its arguments, the folder it runs in, extra environment. */
export interface BatchCase {
  name: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

const RUNNER = path.join(__dirname, 'cli-batch.cjs');

interface Line {
  begin?: string;
  name?: string;
  code?: number;
  stdout?: string;
  stderr?: string;
}

function readLines(file: string): Line[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

/** Runs the cases in order in as few processes as they allow; a result per case name. */
export async function runCliBatch(
  cases: BatchCase[],
  opts: { env?: NodeJS.ProcessEnv; stallMs?: number } = {},
): Promise<Map<string, CliResult>> {
  const results = new Map<string, CliResult>();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-batch-'));
  let rest = cases;
  try {
    for (let round = 0; rest.length > 0; round++) {
      const casesFile = path.join(work, `cases-${round}.json`);
      const resultsFile = path.join(work, `results-${round}.jsonl`);
      fs.writeFileSync(casesFile, JSON.stringify(rest));
      const end = await runOnce(casesFile, resultsFile, opts);
      const lines = readLines(resultsFile);
      for (const l of lines) {
        if (l.name !== undefined)
          results.set(l.name, {
            code: l.code ?? null,
            signal: null,
            stdout: l.stdout ?? '',
            stderr: l.stderr ?? '',
          });
      }
      const begun = lines.filter((l) => l.begin !== undefined).at(-1)?.begin;
      const done = new Set(results.keys());
      if (begun !== undefined && !done.has(begun)) {
        // The process died or stalled in this case: what a process of its own would have shown.
        results.set(begun, {
          ...end,
          stderr: `${end.stderr}${end.stalled ? '\nhang: no result in time' : ''}`,
        });
        done.add(begun);
      } else if (rest.every((c) => !done.has(c.name))) {
        throw new Error(`the batch runner did not start (exit ${end.code}):\n${end.stderr.slice(0, 2000)}`);
      }
      rest = rest.filter((c) => !done.has(c.name));
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function runOnce(
  casesFile: string,
  resultsFile: string,
  opts: { env?: NodeJS.ProcessEnv; stallMs?: number },
): Promise<CliResult & { stalled: boolean }> {
  const child = spawn(process.execPath, [RUNNER, casesFile, resultsFile], {
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // Watchdog: a case (its begin line) with no result within stallMs is a hang; the process is killed.
  let size = -1;
  let since = Date.now();
  let stalled = false;
  const watch = setInterval(() => {
    const now = fs.existsSync(resultsFile) ? fs.statSync(resultsFile).size : 0;
    if (now !== size) {
      size = now;
      since = Date.now();
    } else if (Date.now() - since > (opts.stallMs ?? 20_000)) {
      stalled = true;
      child.kill('SIGKILL');
    }
  }, 100);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal, stdout, stderr, stalled });
    });
  });
}
