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

// Electronegativity fetches translations (and release notes) with got 11 whatever the options. Offline, on
// Node 22+, got's failed request and its timeout timer throw from timers after the scan has its answer (a
// RequestError event, then p-cancelable's "onCancel handler was attached after the promise settled"): errors
// from those network fetches are not the scan's result. Anything else still fails the scan.
process.on('uncaughtException', (err) => {
  if (/[\\/]node_modules[\\/](got|p-cancelable)[\\/]/.test(err?.stack ?? '') || err?.name === 'RequestError')
    return;
  throw err;
});

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
      // Its list of Electron releases comes from GitHub at scan time: offline (CI) got's request fails, and on
      // Node 22+ the old got/p-cancelable it uses crashes the process on that failure. Electron's support is
      // kept by pinning a supported major in package.json instead.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
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
// The answer is in; the library's stray network timers must not keep the process (or decide its exit).
process.exit(process.exitCode ?? 0);
