// Benchmark (issue 22): AWS attempts per minute of the watch, AWS healthy vs 100 % throttling vs an outage
// (every connection reset), through the TCP fault proxy; ratio to the healthy baseline in the same run.
import { runBundled } from './lib.mjs';

const r = await runBundled('aws-outage-run');
console.log(JSON.stringify(r));
console.log(
  `\naws-outage: AWS attempts per minute at a ${r.interval} interval — normal ${r.normal.perMinute}, 100 % throttling ${r.throttled.perMinute} (${r.throttledRatio}×), outage ${r.outage.perMinute} (${r.outageRatio}×); target ${r.target}`,
);
