// Benchmark (issue 2 #2, issue 8): N trivial `run: "true"` steps (BENCH_STEPS, default 50). Engine overhead
// per step over a bare spawn of the same shell command (baseline measured in the same run). Target: <= 5 ms.
// overhead/step = (T(N+1 steps) - T(1 step)) / N - bare spawn per step; the 1-step run cancels CLI start-up.
// BENCH_COMPARE=DIR also times another built checkout (e.g. the commit before a change) in the same rounds.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CLI, median, project, tempDir, timed, trust } from './lib.mjs';

const clis = { current: CLI };
if (process.env.BENCH_COMPARE)
  clis.compare = path.join(path.resolve(process.env.BENCH_COMPARE), 'bin', 'offload.js');

const N = Number(process.env.BENCH_STEPS ?? 50);
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const step = (i) => `      - name: step ${i}\n        run: "true"\n        shell: bash\n`;
const localOnly = 'workflows:\n  local: [local]\n';
const one = project('bench-one', step(0), localOnly);
const many = project('bench-many', Array.from({ length: N + 1 }, (_, i) => step(i)).join(''), localOnly);

async function bareSpawns(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const c = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', 'true'], {
        stdio: 'ignore',
      });
      c.on('error', reject);
      c.on('exit', resolve);
    });
  }
  return (performance.now() - t0) / n;
}

const run = async (dir, cli) => {
  const data = tempDir('data');
  trust(dir, data, process.env, cli);
  const r = await timed(process.execPath, [cli, 'run', 'local', '--quiet', '--data-dir', data], {
    cwd: dir,
  });
  if (r.code !== 0) throw new Error(`offload exited ${r.code}`);
  return r.ms;
};

const perStep = Object.fromEntries(Object.keys(clis).map((k) => [k, []]));
const bare = [];
for (let i = 0; i < repeats; i++) {
  bare.push(await bareSpawns(N));
  for (const [k, cli] of Object.entries(clis)) {
    const t1 = await run(one, cli);
    const tn = await run(many, cli);
    perStep[k].push((tn - t1) / N);
  }
}
const b = median(bare);
const figures = (k) => {
  const s = median(perStep[k]);
  return {
    offloadPerStepMs: +s.toFixed(2),
    overheadPerStepMs: +(s - b).toFixed(2),
    ratio: +(s / b).toFixed(2),
  };
};
console.log(
  JSON.stringify({
    bench: 'engine-steps',
    steps: N,
    repeats,
    bareSpawnPerStepMs: +b.toFixed(2),
    ...figures('current'),
    ...(clis.compare ? { compare: { dir: process.env.BENCH_COMPARE, ...figures('compare') } } : {}),
    overheadTargetMs: 5,
  }),
);
