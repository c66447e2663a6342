// Benchmark (issue 21): the fit estimate for 20 models (headers only, never the weights) vs reading the same
// 20 files' first 64 KB (baseline, same run, interleaved). Target: ≤ 50 ms for the 20.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.fit-estimate-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'fit-estimate-run.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: out,
  external: ['@aws-sdk/*', 'node-notifier', 'yaml', 'jsonc-parser', 'systeminformation'],
  logLevel: 'error',
  nodePaths: [path.join(ROOT, 'node_modules')],
});
const mod = await import(pathToFileURL(out).href);
const r = await (mod.run ?? mod.default.run)();
fs.rmSync(out, { force: true });
console.log(JSON.stringify(r));
console.log(
  `\nfit-estimate: ${r.models} models (${r.headerMB} MB of headers) estimated in ${r.fitMs} ms ` +
    `(target ≤ ${r.targetMs} ms: ${r.pass ? 'met' : 'NOT met'}); reading their first 64 KB: ${r.baselineFirst64KbMs} ms (${r.ratio}×); ` +
    `the 20 headers walked to the end (no weights in the file): ${r.fullHeaderWalkMs} ms`,
);
