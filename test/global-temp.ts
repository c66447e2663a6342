/**
 * The test run's environment. One temp folder per test run: every test's `os.tmpdir()` (projects, data folders, sockets, fixtures) lands
 * under it — the variable is set before the test workers start, and every process they start inherits it —
 * and it is removed when the run ends, so `npm test` leaves nothing in the machine's temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Set while a run's folder exists: each vitest project runs the global setup again, and must not nest. */
const RUN_DIR = 'OFFLOAD_TEST_RUN_DIR';

export default function setup(): () => void {
  // Each project (unit, integration) inherits this setup; a folder per project nested inside the run's made
  // paths too long for a Unix socket (Chromium's SingletonSocket: 107 bytes).
  if (process.env[RUN_DIR]) return () => undefined;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-test-run-'));
  process.env[RUN_DIR] = root;
  // As open as the temp folder it stands for: tests run processes as other users (nobody) from under it.
  fs.chmodSync(root, 0o1777);
  const before = {
    TMPDIR: process.env.TMPDIR,
    TMP: process.env.TMP,
    TEMP: process.env.TEMP,
    OFFLOAD_CACHE_DIR: process.env.OFFLOAD_CACHE_DIR,
  };
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = root;
  // The CLI's code caches (bin/code-cache.js) of this run's build: in the run's folder, not the user's own
  process.env.OFFLOAD_CACHE_DIR = path.join(root, 'code-cache');
  // The CLI follows the CI platform it runs on (GitHub's workflow commands, no live redraw): tests run it as a
  // user at a terminal would, whatever CI runs the tests; the CI tests set these variables themselves.
  const ci: Record<string, string | undefined> = {};
  for (const k of ['CI', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CODEBUILD_BUILD_ID', 'GITHUB_STEP_SUMMARY']) {
    ci[k] = process.env[k];
    delete process.env[k];
  }
  return () => {
    delete process.env[RUN_DIR];
    for (const [k, v] of Object.entries(ci)) if (v !== undefined) process.env[k] = v;
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // Read-only folders some tests make (a history folder without write permission) must not stop the clean-up.
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      for (const entry of walkDirs(root)) fs.chmodSync(entry, 0o700);
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    }
  };
}

function* walkDirs(dir: string): Generator<string> {
  yield dir;
  try {
    fs.chmodSync(dir, 0o700);
    for (const e of fs.readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) yield* walkDirs(path.join(dir, e.name));
  } catch {
    // gone or unreadable: nothing below to fix
  }
}
