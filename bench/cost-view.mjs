// Benchmark (issue 21): the cost view adds no AWS call per window update (state snapshots read the kept
// estimate), and AWS is asked again at most every 15 minutes. Target: 0 AWS calls per 100 window updates.
import { runBundled } from './lib.mjs';

const r = await runBundled('cost-view-run');
console.log(JSON.stringify(r));
const h = r.hourOfUpdates;
console.log(
  `\ncost-view: ${r.callsPer100Updates} AWS calls per 100 window updates (target ${r.target}: ${r.pass ? 'met' : 'NOT met'}), ` +
    `a snapshot ${r.snapshotMedianUs} µs (median); first refresh ${r.firstRefresh.calls} calls in ${r.firstRefresh.ms} ms ` +
    `(Price List ×2, DescribeServices, DescribeTaskDefinition ×2); an hour of ${h.updates} updates: ${h.refreshes} refreshes, ` +
    `${h.awsCalls} AWS calls, ${h.refreshMedianMs} ms each (prices from the cache); ${r.costLine}`,
);
