/** `npm test` leaves nothing in the machine's temp folder: every test and the processes it starts use the run's own. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';

test('tests and their child processes write temp files under the run folder removed at the end', () => {
  expect(path.basename(os.tmpdir())).toMatch(/^offload-test-run-/);
  const child = execFileSync(process.execPath, ['-p', 'require("os").tmpdir()'], { encoding: 'utf8' }).trim();
  expect(child).toBe(os.tmpdir());
});
