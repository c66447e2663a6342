// Benchmark (issue 10): the load-test step's achieved request rate as a ratio to bare autocannon against the same
// local server in the same run (target >= 0.9), and the AWS API calls per run of lambda-deploy, lambda-invoke and
// load-test's scaling check. The work is in bench/load-test-run.ts (bundled here, as bench/aws-watch.mjs does).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.load-test-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'load-test-run.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: out,
  external: ['@aws-sdk/*', 'autocannon', 'yaml', 'jsonc-parser', 're2js'],
  logLevel: 'error',
  nodePaths: [path.join(ROOT, 'node_modules')],
});
try {
  const mod = await import(pathToFileURL(out).href);
  const r = await (mod.run ?? mod.default.run)();
  console.log(JSON.stringify(r, null, 2));
  for (const l of r.load)
    console.log(
      `load-test ${l.case}: step ${l.stepRps}/s vs bare autocannon ${l.bareRps}/s = ${l.ratio}× (target >= 0.9)`,
    );
} finally {
  fs.rmSync(out, { force: true });
}
