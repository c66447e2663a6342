/**
 * Steps never outlive Offload: 20 times, a running CLI is killed with SIGKILL mid-step; 5 s later none of the
 * step processes (nor the background ones they started) is alive, no step script or output file is left in
 * the system temp folder, and the next run removes the killed runs' private temp folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { processesWith } from '../helpers/process';

describe.runIf(process.platform === 'linux')('kill -9 of the CLI', () => {
  it('20 × SIGKILL mid-step: 0 step processes alive 5 s later, 0 leftover files', async () => {
    const token = `${31_000 + Math.floor(Math.random() * 999)}`;
    const dir = makeProject(`name: killed
phases:
  local:
    steps:
      - name: Long
        run: |
          sleep ${token}1 &
          echo started
          [ -n "$QUICK" ] || sleep ${token}2
`);
    const data = tempDataDir();
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
    for (let i = 0; i < 20; i++) {
      const child = startCli(['run', 'local', '--data-dir', data], { cwd: dir });
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      await waitFor(() => out.includes('started'), 20_000, 'the step to start');
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
    }
    // Within 5 s (not after a fixed 5 s: the test goes on as soon as they are gone).
    await waitFor(
      () => processesWith(`sleep ${token}`).length === 0,
      5000,
      'the step processes to end',
    ).catch(() => undefined);
    expect(processesWith(`sleep ${token}`)).toEqual([]);
    const leftovers = fs
      .readdirSync(os.tmpdir())
      .filter((f) => !tmpBefore.has(f) && f.startsWith('offload-'));
    // Step scripts and output files used to be offload-<run id>-… and offload-out-<run id>-… here.
    expect(leftovers.filter((f) => /^offload-(out-)?\d{8}-/.test(f))).toEqual([]);

    const runsDir = fs
      .readdirSync(path.join(data, 'projects'))
      .map((p) => path.join(data, 'projects', p, 'runs'))[0]!;
    const tmpDirs = () =>
      fs.readdirSync(runsDir).filter((id) => fs.existsSync(path.join(runsDir, id, 'tmp')));
    expect(tmpDirs().length).toBeGreaterThan(0); // the killed runs' scripts, private to the user
    for (const id of tmpDirs()) expect(fs.statSync(path.join(runsDir, id, 'tmp')).mode & 0o777).toBe(0o700);
    const next = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { QUICK: '1' } });
    expect(next.code).toBe(0);
    expect(tmpDirs()).toEqual([]);
    for (const pid of processesWith(`sleep ${token}`)) process.kill(pid, 'SIGKILL'); // the last run's background sleep
  }, 240_000);
});
