// Benchmark (issue 19): the team gate against moto's S3 with the real SDK. Reports the AWS calls and wall time
// one run adds (team passes, deploy lock taken and released, evidence records) against a bare GetObject round
// trip in the same run, and the gate's check in a bucket of 10 000 records (BENCH_TEAM_RECORDS) against an
// empty one: one GET by key each, so the two match. Skips where moto is not installed.
import { spawnSync } from 'node:child_process';
import { runBundled } from './lib.mjs';

if (spawnSync('python3', ['-c', 'import moto.server']).status !== 0) {
  console.log(JSON.stringify({ skipped: 'moto is not installed in python3' }));
  process.exit(0);
}

const r = await runBundled('team-s3-run');
console.log(JSON.stringify(r, null, 2));
console.log(
  `\nteam-s3: a run adds ${r.perRunS3Calls} S3 calls and ${r.perRunMs} ms (${r.perRunVsBareGet}× a bare GetObject of ${r.bareGetMs} ms); ` +
    `the gate's team check: ${r.gateCheckS3Calls} calls, ${r.gateCheckEmptyBucketMs} ms in an empty bucket, ${r.gateCheckLargeBucketMs} ms with ${r.records} records`,
);
