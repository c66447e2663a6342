/**
 * The Electronegativity security scan, run the one documented way (`npm run scan` = scripts/scan.mjs: the app's
 * own sources, not node_modules; `npx electronegativity -i .` as installed crashes on this tree), so CI runs it
 * with the tests: no high or medium finding.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

test('npm run scan finds no high or medium issue in main/, preload/, renderer/', async () => {
  const out = await new Promise<{ code: number; text: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts', 'scan.mjs')],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, text: stdout + stderr }),
    );
  });
  expect(out.text).toMatch(/electronegativity: \d+ checks .*; \d+ finding\(s\), 0 high\/medium/);
  expect(out.code).toBe(0);
}, 150_000);
