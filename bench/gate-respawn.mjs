// Benchmark (issue 22 item 5): the AWS gate's poll lateness beside a model server that keeps coming back,
// against the same gate with nothing beside it (baseline, same run). Target: at most one interval late.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

if (process.platform !== 'linux') {
  console.log(
    JSON.stringify({ bench: 'gate-respawn', skipped: 'Linux only (the machine watch reads /proc)' }),
  );
  process.exit(0);
}
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.gate-respawn-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'gate-respawn-run.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: out,
  external: ['@aws-sdk/*', 'node-notifier', 'yaml', 'jsonc-parser', 'systeminformation'],
  logLevel: 'error',
  nodePaths: [path.join(ROOT, 'node_modules')],
});
process.env.OFFLOAD_BENCH_ROOT = ROOT;
const mod = await import(pathToFileURL(out).href);
const r = await (mod.run ?? mod.default.run)();
fs.rmSync(out, { force: true });
console.log(JSON.stringify(r, null, 2));
console.log(
  `\ngate-respawn: worst poll lateness beside a respawning model server ${r.respawning.maxLatenessMs} ms ` +
    `(${r.latenessPerInterval.toFixed(2)} intervals of ${r.intervalMs / 1000} s; baseline ${r.baseline.maxLatenessMs} ms); ` +
    `${r.respawning.polls} polls of ${r.respawning.expectedPolls} expected, ${r.respawning.ruleStops} stops by the rule`,
);
process.exit(0);
