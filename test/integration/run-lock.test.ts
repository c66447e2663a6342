/**
 * One run per project at a time, across processes: a second `offload run` is refused naming the holder (pid,
 * run id, since), or waits with --wait; the lock of a holder killed with SIGKILL is taken over.
 */
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';

const yaml = `name: locked
phases:
  local:
    steps:
      - name: Slow
        run: echo started; sleep \${SLEEP:-2}
`;

describe('the project run lock', () => {
  it('refuses a second run naming the holder, waits with --wait, and takes over a dead holder', async () => {
    const dir = makeProject(yaml);
    const data = tempDataDir();
    const first = startCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { SLEEP: '4' } });
    let out = '';
    first.stdout?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('started'), 20_000, 'the first run to start');

    const refused = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { SLEEP: '0' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`another run is active on this project: local \\(run [\\w.-]+, pid ${first.pid}\\) since `),
    );

    const waited = await runCli(['run', 'local', '--wait', '1m', '--data-dir', data], {
      cwd: dir,
      env: { SLEEP: '0' },
      timeoutMs: 60_000,
    });
    expect(waited.code).toBe(0);
    await new Promise((r) => (first.exitCode !== null ? r(null) : first.on('exit', r)));
    expect(first.exitCode).toBe(0);

    // A holder killed with SIGKILL leaves its lock behind; the next run takes it over.
    const killed = startCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { SLEEP: '30' } });
    let out2 = '';
    killed.stdout?.on('data', (d) => (out2 += d));
    await waitFor(() => out2.includes('started'), 20_000, 'the run to start');
    killed.kill('SIGKILL');
    await new Promise((r) => killed.on('exit', r));
    const after = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { SLEEP: '0' } });
    expect(after.code).toBe(0);
  }, 120_000);
});
