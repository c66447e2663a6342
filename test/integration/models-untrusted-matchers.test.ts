// An untrusted project's own model matchers do not count (they decide what may be stopped). `offload models`
// used to say only "no local model servers running" while the server the matcher names ran: it now says on
// stderr why the matchers are not in use, and stops saying it once the project is trusted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const dirs: string[] = [];
const pids: number[] = [];
afterAll(() => {
  // the whole group, whether or not the shell is still there: killing only the shell (or the test stopping it)
  // would leave its `sleep 300` behind, adopted by init
  for (const p of pids) {
    try {
      process.kill(-p, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('offload models with an untrusted project', () => {
  it('says the matchers of offload.yml are not used until the project is trusted', async () => {
    const marker = `offload-untrusted-matcher-${process.pid}-${Date.now()}`;
    const child = spawn('bash', ['-c', `sleep 300; : ${marker}`], { stdio: 'ignore', detached: true });
    child.unref();
    pids.push(child.pid!);
    const dir = makeProject(
      `name: demo\nphases:\n  local:\n    steps:\n      - run: "true"\nmodels:\n  matchers:\n    - { name: mine, cmdline: '${marker}' }\n`,
    );
    const data = tempDataDir();
    dirs.push(dir, data);
    const env = { OFFLOAD_HOME: data };

    const before = await runCli(['models', '--json'], { cwd: dir, env, untrusted: true });
    expect(before.code).toBe(0);
    // other model servers may run on this machine (the builtin matchers find them): only this one's absence counts
    expect((JSON.parse(before.stdout) as { pid: number }[]).map((m) => m.pid)).not.toContain(child.pid);
    expect(before.stderr).toContain(
      "offload models: offload.yml's 1 model matcher(s) are not used until you trust the project (`offload trust`)",
    );

    const after = await runCli(['models', '--json'], { cwd: dir, env });
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as { pid: number }[]).map((m) => m.pid)).toContain(child.pid);
    expect(after.stderr).not.toContain('not used');
  });
});
