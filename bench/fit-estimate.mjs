// Benchmark (issue 21): the fit estimate for 20 models (headers only, never the weights) vs reading the same
// 20 files' first 64 KB (baseline, same run, interleaved). Target: ≤ 50 ms for the 20.
import { runBundled } from './lib.mjs';

const r = await runBundled('fit-estimate-run');
console.log(JSON.stringify(r));
console.log(
  `\nfit-estimate: ${r.models} models (${r.headerMB} MB of headers) estimated in ${r.fitMs} ms ` +
    `(target ≤ ${r.targetMs} ms: ${r.pass ? 'met' : 'NOT met'}); reading their first 64 KB: ${r.baselineFirst64KbMs} ms (${r.ratio}×); ` +
    `the 20 headers walked to the end (no weights in the file): ${r.fullHeaderWalkMs} ms`,
);
