// Benchmark (issue 2, #1): a step that prints 200 MB. Offload's wall time as a ratio to the same command
// redirected to a file by the shell (baseline, same run), and the Offload process's peak RSS.
// Targets: ratio <= 1.5x, peak RSS <= 150 MB whatever the output size. Also reported: the ratio to a bare Node
// program that only pipes the command's stdout to a file (what any Node-based runner starts from).
import fs from 'node:fs';
import path from 'node:path';
import { CLI, mb, median, project, tempDir, timed } from './lib.mjs';

const sizeMb = Number(process.env.BENCH_OUTPUT_MB ?? 200);
const repeats = Number(process.env.BENCH_REPEATS ?? 7); // noisy on a shared 2-core box: median of 7
const cmd = `yes 'offload benchmark output line: the quick brown fox jumps over the lazy dog 0123456789' | head -c ${sizeMb * 1000 * 1000}`;

const dir = project(
  'bench-output',
  `      - name: Print ${sizeMb} MB\n        run: ${JSON.stringify(cmd)}\n        shell: sh\n`,
  'workflows:\n  local: [local]\n',
);
const data = tempDir('data');
const out = path.join(tempDir('shell'), 'out.txt');

// A second, tighter floor: the least any Node program can do — spawn the command and pipe its stdout to a file.
const nodePipe =
  `const {spawn}=require('child_process');const fs=require('fs');` +
  `const c=spawn('sh',['-c',${JSON.stringify(cmd)}],{stdio:['ignore','pipe','inherit']});` +
  `c.stdout.pipe(fs.createWriteStream(${JSON.stringify(out + '.node')},{highWaterMark:1<<20}));`;

const base = [];
const pipe = [];
const off = [];
let peak = 0;
for (let i = 0; i < repeats; i++) {
  base.push((await timed('bash', ['-c', `${cmd} > ${out}`])).ms);
  pipe.push((await timed(process.execPath, ['-e', nodePipe])).ms);
  const r = await timed(process.execPath, [CLI, 'run', 'local', '--quiet', '--data-dir', data], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (r.code !== 0) throw new Error(`offload exited ${r.code}`);
  off.push(r.ms);
  peak = Math.max(peak, r.peakRss);
}
const logBytes = fs.statSync(
  fs
    .readdirSync(data, { recursive: true })
    .map((f) => path.join(data, String(f)))
    .find((f) => f.endsWith('.log')),
).size;
const b = median(base);
const o = median(off);
const result = {
  bench: 'engine-output',
  outputMB: sizeMb,
  shellRedirectMs: Math.round(b),
  offloadMs: Math.round(o),
  ratio: +(o / b).toFixed(2),
  ratioTarget: 1.5,
  nodePipeMs: Math.round(median(pipe)),
  ratioToNodePipe: +(o / median(pipe)).toFixed(2),
  offloadPeakRssMB: +mb(peak),
  rssTargetMB: 150,
  stepLogBytes: logBytes,
};
console.log(JSON.stringify(result));
