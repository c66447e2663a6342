/**
 * `npm start` where Electron's binary is not installed: a clear message and the headless alternative,
 * exit code 1, no stack trace. Runs scripts/start.mjs as a real child process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

describe('npm start without Electron', () => {
  test('says why and offers `offload watch` instead of a stack trace', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-noelectron-'));
    try {
      // Point Electron at an empty folder, so the result is the same whether or not a binary is installed.
      const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
        cwd: ROOT,
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
      const out = res.stdout + res.stderr;
      if (!fs.existsSync(path.join(ROOT, 'dist/main/app/main.js'))) {
        expect(out).toContain('run `npm run build` first');
      } else {
        expect(out).toContain('the desktop app cannot start here');
        expect(out).toContain('ELECTRON_OVERRIDE_DIST_PATH has no Electron binary');
        expect(out).toContain('offload watch');
        expect(out).not.toContain('npx offload');
      }
      expect(out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack frames
      expect(res.status).toBe(1);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
