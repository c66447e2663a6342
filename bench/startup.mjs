// CLI start-up (issue 20): `offload --version` and `offload status` on a one-file project (trusted), each against
// a bare `node -e 0` in the same run, interleaved (one of each per round), medians of BENCH_REPEATS (default 15).
// One untimed run of each command first makes its code cache (in this run's own folder: bench/lib.mjs), as a
// user's earlier command did. BENCH_COMPARE=DIR also times another built checkout (e.g. the commit before a change) in the same
// rounds, so before and after share the machine's load; its figures are reported under `compare`.
// The large row: `offload status` in a git repository of BENCH_FILES (30 000) committed files against
// `git status --porcelain` on it, same rounds, with each one's peak RSS (goal ≤ 3×, ≤ 80 MB).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, mb, pastRacyWindow, project, ROOT, tempDir, timed } from './lib.mjs';

const repeats = Number(process.env.BENCH_REPEATS ?? 15);
const roots = { offload: ROOT };
if (process.env.BENCH_COMPARE) roots.compare = path.resolve(process.env.BENCH_COMPARE);
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_COMPILE_CACHE;
const dir = project('startup', '      - run: "true"\n');
const big = bigRepository(Number(process.env.BENCH_FILES ?? 30_000));
await pastRacyWindow();

/** A git repository of `n` small committed files (100 a folder) with a one-step offload.yml. */
function bigRepository(n) {
  const root = project('startup-big', '      - run: "true"\n');
  for (let i = 0; i < n - 1; i++) {
    const folder = path.join(root, 'src', `m${Math.floor(i / 100)}`);
    if (i % 100 === 0) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `f${i % 100}.ts`), `export const v${i} = ${i};\n`);
  }
  const git = (...args) =>
    execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return root;
}

const commands = {
  node: [process.execPath, ['-e', '0']],
  git: ['git', ['status', '--porcelain'], big],
};
for (const [name, root] of Object.entries(roots)) {
  const cli = path.join(root, 'bin', 'offload.js');
  // A data folder per build: one build's kept config (config-cache.json) is not the other's.
  const data = tempDir(`startup-data-${name}`);
  for (const cwd of [dir, big])
    execFileSync(process.execPath, [cli, 'trust', '--yes', '--data-dir', data], {
      cwd,
      env,
      stdio: 'ignore',
    });
  commands[`${name}.version`] = [process.execPath, [cli, '--version']];
  commands[`${name}.status`] = [process.execPath, [cli, 'status', '--data-dir', data]];
  commands[`${name}.big`] = [process.execPath, [cli, 'status', '--data-dir', data], big];
}
for (const [cmd, args, cwd = dir] of Object.values(commands))
  execFileSync(cmd, args, { cwd, env, stdio: 'ignore' });

const ms = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const rss = {};
for (let i = 0; i < repeats; i++) {
  for (const [name, [cmd, args, cwd = dir]] of Object.entries(commands)) {
    const r = await timed(cmd, args, { cwd, env });
    if (r.code !== 0) throw new Error(`${name} exited ${r.code}`);
    ms[name].push(r.ms);
    rss[name] = Math.max(rss[name] ?? 0, r.peakRss);
  }
}
const node = median(ms.node);
const git = median(ms.git);
const figures = (name) => {
  const version = median(ms[`${name}.version`]);
  const status = median(ms[`${name}.status`]);
  return {
    versionMs: +version.toFixed(1),
    versionRatio: +(version / node).toFixed(2),
    statusMs: +status.toFixed(1),
    statusRatio: +(status / node).toFixed(2),
    bigStatusMs: +median(ms[`${name}.big`]).toFixed(1),
    bigStatusRatio: +(median(ms[`${name}.big`]) / git).toFixed(2),
    peakRssMb: {
      version: +mb(rss[`${name}.version`]),
      status: +mb(rss[`${name}.status`]),
      bigStatus: +mb(rss[`${name}.big`]),
    },
  };
};
console.log(
  JSON.stringify({
    bench: 'startup',
    repeats,
    nodeMs: +node.toFixed(1),
    bigFiles: Number(process.env.BENCH_FILES ?? 30_000),
    gitStatusMs: +git.toFixed(1),
    gitPeakRssMb: +mb(rss.git),
    ...figures('offload'),
    ...(roots.compare ? { compare: { root: roots.compare, ...figures('compare') } } : {}),
    goal: { versionRatio: 1.3, statusRatio: 1.6, bigStatusRatio: 3, bigStatusPeakRssMb: 80 },
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }),
);
