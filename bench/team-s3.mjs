// Benchmark (issue 19): the team gate against moto's S3 with the real SDK. Reports the AWS calls and wall time
// one run adds (team passes, deploy lock taken and released, evidence records) against a bare GetObject round
// trip in the same run, and the gate's check in a bucket of 10 000 records (BENCH_TEAM_RECORDS) against an
// empty one: one GET by key each, so the two match. Skips where moto is not installed.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { ROOT } from './lib.mjs';

if (spawnSync('python3', ['-c', 'import moto.server']).status !== 0) {
  console.log(JSON.stringify({ skipped: 'moto is not installed in python3' }));
  process.exit(0);
}

// Bundled inside the repository so the externals resolve from its node_modules.
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.team-s3-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'team-s3-run.ts')],
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
console.log(JSON.stringify(r, null, 2));
console.log(
  `\nteam-s3: a run adds ${r.perRunS3Calls} S3 calls and ${r.perRunMs} ms (${r.perRunVsBareGet}× a bare GetObject of ${r.bareGetMs} ms); ` +
    `the gate's team check: ${r.gateCheckS3Calls} calls, ${r.gateCheckEmptyBucketMs} ms in an empty bucket, ${r.gateCheckLargeBucketMs} ms with ${r.records} records`,
);
