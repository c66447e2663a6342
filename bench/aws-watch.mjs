// Benchmark (issue 4): AWS watch at defaults for 2 services, 3 alarms, 2 log groups (+1 health endpoint), over
// real HTTP with the real SDK clients against the local AWS endpoint. Reports AWS API calls per hour and the
// worst-case delay from an alarm turning ALARM / an error line landing to the notification:
//   worst case = poll interval (a change right after a poll waits one full interval) + the poll's own latency.
// Baseline: a bare DescribeAlarms round trip with the same client in the same run (poll cost is a ratio to it).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

// Bundled inside the repository so the externals resolve from its node_modules.
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const out = path.join(ROOT, 'bench', 'results', `.aws-watch-run-${process.pid}.cjs`);
await build({
  entryPoints: [path.join(ROOT, 'bench', 'aws-watch-run.ts')],
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
  `\naws-watch: ${r.apiCallsPerPoll} AWS API calls per poll, ${r.apiCallsPerHour} per hour at a ${r.intervalMs / 1000} s interval; ` +
    `worst case alarm→notice ${(r.worstCaseAlarmToNoticeMs / 1000).toFixed(2)} s, error line→notice ${(r.worstCaseLogLineToNoticeMs / 1000).toFixed(2)} s ` +
    `(+ CloudWatch's own evaluation/ingestion delay); poll latency = ${r.pollCostVsBareCall.toFixed(1)}× a bare DescribeAlarms call`,
);
