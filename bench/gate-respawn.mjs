// Benchmark (issue 22 item 5): the AWS gate's poll lateness beside a model server that keeps coming back,
// against the same gate with nothing beside it (baseline, same run). Target: at most one interval late.
import { runBundled } from './lib.mjs';

if (process.platform !== 'linux') {
  console.log(
    JSON.stringify({ bench: 'gate-respawn', skipped: 'Linux only (the machine watch reads /proc)' }),
  );
  process.exit(0);
}
const r = await runBundled('gate-respawn-run');
console.log(JSON.stringify(r, null, 2));
console.log(
  `\ngate-respawn: worst poll lateness beside a respawning model server ${r.respawning.maxLatenessMs} ms ` +
    `(${r.latenessPerInterval.toFixed(2)} intervals of ${r.intervalMs / 1000} s; baseline ${r.baseline.maxLatenessMs} ms); ` +
    `${r.respawning.polls} polls of ${r.respawning.expectedPolls} expected, ${r.respawning.ruleStops} stops by the rule`,
);
process.exit(0);
