import { execFileSync } from 'node:child_process';
// Shared helpers for the benchmarks: temp projects, timed child processes with peak-RSS sampling.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'offload.js');

const made = [];
// Benchmarks write hundreds of MB: leave nothing behind (a full disk skews the next run's figures).
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `offload-bench-${prefix}-`));
  made.push(dir);
  return dir;
}

// The CLI's code caches (bin/code-cache.js) made by this run's own first commands, which every bench makes
// before it times: a cache left by other commands (the tests', another project's) holds what they ran, and a
// bigger cache loads slower, so figures would depend on what ran before.
process.env.OFFLOAD_CACHE_DIR = tempDir('code-cache');

/** Peak resident set of a live process (VmHWM), in bytes; undefined once it is gone. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command, returns wall time (ms), exit code and the peak RSS sampled every 20 ms (Linux). */
export function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'], ...opts });
    let peak = 0;
    const sampler = setInterval(() => {
      const r = peakRss(child.pid);
      if (r !== undefined) peak = Math.max(peak, r);
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      resolve({ ms: performance.now() - t0, code, peakRss: peak });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function mb(bytes) {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** Trusts the project in `dir` for the data folder `data` (as `offload trust --yes`; not timed). */
export function trust(dir, data, env = process.env, cli = CLI) {
  execFileSync(process.execPath, [cli, 'trust', '--yes', '--data-dir', data], {
    cwd: dir,
    env,
    stdio: 'ignore',
  });
}

/** Writes a project folder with an offload.yml made of the given local-phase steps. */
export function project(name, stepsYaml, extra = '') {
  const dir = tempDir(name);
  fs.writeFileSync(
    path.join(dir, 'offload.yml'),
    `name: ${name}\nphases:\n  local:\n    steps:\n${stepsYaml}${extra}`,
  );
  return dir;
}

/**
 * Waits until files written now are past the racy window (2 s) of Offload's kept config (config-cache.ts), so a
 * command measured next sees offload.yml as a user's project has it: not written in the last seconds.
 */
export async function pastRacyWindow() {
  await new Promise((resolve) => setTimeout(resolve, 2100));
}

/**
 * Runs a TypeScript bench runner (bench/NAME.ts exporting `run()`): bundled inside the repository, so its
 * externals resolve from its node_modules, imported, run, and the bundle removed. Returns what `run()` gave.
 */
export async function runBundled(
  name,
  externals = ['node-notifier', 'yaml', 'jsonc-parser', 'systeminformation'],
) {
  const { build } = await import('esbuild');
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const out = path.join(ROOT, 'bench', 'results', `.${name}-${process.pid}.cjs`);
  await build({
    entryPoints: [path.join(ROOT, 'bench', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    external: ['@aws-sdk/*', ...externals],
    logLevel: 'error',
    nodePaths: [path.join(ROOT, 'node_modules')],
  });
  try {
    const mod = await import(pathToFileURL(out).href);
    return await (mod.run ?? mod.default.run)();
  } finally {
    fs.rmSync(out, { force: true });
  }
}
