// Benchmark (issue 2 #1, issue 8): a step that prints 200 MB, `offload run --quiet`, as a ratio to the same
// command redirected to a file by the shell, measured in the same run (interleaved, median of BENCH_REPEATS).
// - offload: nothing to mask, so the step's stdout/stderr are its log file (the engine follows the file for
//   the live view). Target: ratio <= 1.2x the shell redirect; peak RSS <= 150 MB whatever the output size.
// - offloadMasked: a declared secret with a value (`secrets: [BENCH_SECRET]`), so output goes through pipes
//   and the masking stream before it is written.
// - nodePipe: a bare Node program piping the command's stdout to a file (the floor of any Node-based pipe).
// - startup: `offload run` of one `true` step (CLI start-up, config, fingerprint, history): ratioNetOfStartup
//   is (offload - startup) / shell redirect, the cost of the output itself.
// BENCH_COMPARE=DIR also times another built checkout's offload and startup in the same rounds (`compare`).
import fs from 'node:fs';
import path from 'node:path';
import { CLI, mb, median, project, tempDir, timed, trust } from './lib.mjs';

const compareCli = process.env.BENCH_COMPARE
  ? path.join(path.resolve(process.env.BENCH_COMPARE), 'bin', 'offload.js')
  : undefined;

const sizeMb = Number(process.env.BENCH_OUTPUT_MB ?? 200);
const repeats = Number(process.env.BENCH_REPEATS ?? 7); // noisy on a shared 2-core box: median of 7
const cmd = `yes 'offload benchmark output line: the quick brown fox jumps over the lazy dog 0123456789' | head -c ${sizeMb * 1000 * 1000}`;

const step = (c) => `      - name: Print\n        run: ${JSON.stringify(c)}\n        shell: sh\n`;
const workflows = 'workflows:\n  local: [local]\n';
const plainDir = project('bench-output', step(cmd), workflows);
const maskedDir = project('bench-output-masked', step(cmd), `secrets: [BENCH_SECRET]\n${workflows}`);
const startupDir = project('bench-output-startup', step('true'), workflows);
const data = tempDir('data');
const out = path.join(tempDir('shell'), 'out.txt');

// No AWS credentials from the caller's environment: they are always secret and would switch masking on.
const env = { ...process.env, NO_COLOR: '1' };
for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) delete env[k];
const maskedEnv = { ...env, BENCH_SECRET: 'bench-secret-value-0123456789' };

const nodePipe =
  `const {spawn}=require('child_process');const fs=require('fs');` +
  `const c=spawn('sh',['-c',${JSON.stringify(cmd)}],{stdio:['ignore','pipe','inherit']});` +
  `c.stdout.pipe(fs.createWriteStream(${JSON.stringify(out + '.node')},{highWaterMark:1<<20}));`;

const offload = async (dir, e, cli = CLI) => {
  trust(dir, data, e, cli);
  const r = await timed(process.execPath, [cli, 'run', 'local', '--quiet', '--data-dir', data], {
    cwd: dir,
    env: e,
  });
  if (r.code !== 0) throw new Error(`offload exited ${r.code}`);
  return r;
};
const logSize = () =>
  fs
    .readdirSync(data, { recursive: true })
    .map((f) => path.join(data, String(f)))
    .filter((f) => f.endsWith('.log'))
    .map((f) => fs.statSync(f))
    .sort((a, b) => b.mtimeMs - a.mtimeMs)[0]?.size;

const t = {
  shell: [],
  nodePipe: [],
  offload: [],
  offloadMasked: [],
  startup: [],
  cmpOffload: [],
  cmpStartup: [],
};
let peak = 0;
let peakMasked = 0;
let logBytes = 0;
let maskedLogBytes = 0;
for (let i = 0; i < repeats; i++) {
  t.shell.push((await timed('bash', ['-c', `${cmd} > ${out}`])).ms);
  t.nodePipe.push((await timed(process.execPath, ['-e', nodePipe])).ms);
  const o = await offload(plainDir, env);
  t.offload.push(o.ms);
  peak = Math.max(peak, o.peakRss);
  logBytes = logSize();
  const m = await offload(maskedDir, maskedEnv);
  t.offloadMasked.push(m.ms);
  peakMasked = Math.max(peakMasked, m.peakRss);
  maskedLogBytes = logSize();
  t.startup.push((await offload(startupDir, env)).ms);
  if (compareCli) {
    t.cmpOffload.push((await offload(plainDir, env, compareCli)).ms);
    t.cmpStartup.push((await offload(startupDir, env, compareCli)).ms);
  }
}
const b = median(t.shell);
const o = median(t.offload);
const m = median(t.offloadMasked);
const s = median(t.startup);
const p = median(t.nodePipe);
console.log(
  JSON.stringify({
    bench: 'engine-output',
    outputMB: sizeMb,
    repeats,
    shellRedirectMs: Math.round(b),
    offloadMs: Math.round(o),
    ratio: +(o / b).toFixed(2),
    ratioTarget: 1.2,
    nodePipeMs: Math.round(p),
    ratioToNodePipe: +(o / p).toFixed(2),
    startupMs: Math.round(s),
    ratioNetOfStartup: +((o - s) / b).toFixed(2),
    offloadMaskedMs: Math.round(m),
    ratioMasked: +(m / b).toFixed(2),
    ratioMaskedToNodePipe: +(m / p).toFixed(2),
    offloadPeakRssMB: +mb(peak),
    offloadMaskedPeakRssMB: +mb(peakMasked),
    rssTargetMB: 150,
    stepLogBytes: logBytes,
    maskedStepLogBytes: maskedLogBytes,
    ...(compareCli
      ? {
          compare: {
            dir: process.env.BENCH_COMPARE,
            offloadMs: Math.round(median(t.cmpOffload)),
            ratio: +(median(t.cmpOffload) / b).toFixed(2),
            startupMs: Math.round(median(t.cmpStartup)),
            ratioNetOfStartup: +((median(t.cmpOffload) - median(t.cmpStartup)) / b).toFixed(2),
          },
        }
      : {}),
  }),
);
