// `npm run scan` (part of `npm run check`): Electronegativity security scan of the app's own code
// (main/, preload/, renderer/, package.json for the Electron version). Fails on any high or medium finding;
// lower ones are listed for review.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity');

// Scan a copy holding only our sources, so node_modules, dist bundles and tests are not mixed in.
const dir = mkdtempSync(path.join(os.tmpdir(), 'offload-scan-'));
try {
  for (const p of ['main', 'preload', 'renderer', 'package.json'])
    cpSync(path.join(root, p), path.join(dir, p), { recursive: true });
  const out = await run(
    {
      input: dir,
      output: undefined,
      isSarif: false,
      customScan: [],
      excludeFromScan: [],
      severitySet: undefined,
      confidenceSet: undefined,
      isRelative: true,
      isVerbose: false,
      electronUpgrade: undefined,
      electronVersionOverride: undefined,
      parserPlugins: [],
    },
    false,
  );
  const issues = out.issues.map((i) => ({
    id: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file,
    at: `${i.location.line}:${i.location.column}`,
    review: Boolean(i.manualReview),
  }));
  const blocking = issues.filter((i) => i.severity === 'HIGH' || i.severity === 'MEDIUM');
  for (const i of issues) {
    console.log(
      `${blocking.includes(i) ? '✗' : '·'} ${i.severity}/${i.confidence} ${i.id} ${i.file}:${i.at}${i.review ? ' (review)' : ''}`,
    );
  }
  if (out.errors?.length) console.log(`(${out.errors.length} file(s) could not be parsed)`);
  console.log(
    `electronegativity: ${out.atomicChecks} checks + ${out.globalChecks} global checks; ${issues.length} finding(s), ${blocking.length} high/medium`,
  );
  process.exitCode = blocking.length ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
