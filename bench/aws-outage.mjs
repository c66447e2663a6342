// Benchmark (issue 22): AWS attempts per minute of the watch, AWS healthy vs 100 % throttling vs an outage
// (every connection reset), through the TCP fault proxy; ratio to the healthy baseline in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

// Bundled inside the repository so the externals resolve from its node_modules.
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.aws-outage-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'aws-outage-run.ts')],
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
  `\naws-outage: AWS attempts per minute at a ${r.interval} interval — normal ${r.normal.perMinute}, 100 % throttling ${r.throttled.perMinute} (${r.throttledRatio}×), outage ${r.outage.perMinute} (${r.outageRatio}×); target ${r.target}`,
);
