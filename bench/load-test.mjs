// Benchmark (issue 10): the load-test step's achieved request rate as a ratio to bare autocannon against the same
// local server in the same run (target >= 0.9), and the AWS API calls per run of lambda-deploy, lambda-invoke and
// load-test's scaling check. The work is in bench/load-test-run.ts (bundled here, as bench/aws-watch.mjs does).
import { runBundled } from './lib.mjs';

const r = await runBundled('load-test-run', ['autocannon', 'yaml', 'jsonc-parser', 're2js']);
console.log(JSON.stringify(r, null, 2));
for (const l of r.load)
  console.log(
    `load-test ${l.case}: step ${l.stepRps}/s vs bare autocannon ${l.bareRps}/s = ${l.ratio}× (target >= 0.9)`,
  );
