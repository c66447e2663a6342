/**
 * Paths that are not what they seem: an offload.yml that is a FIFO is found and named for what it is (not "does
 * not exist"), and a data folder that cannot be made (below /proc, where Node's recursive mkdir spins) is one
 * line at once. The real CLI, real FIFOs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe.runIf(process.platform === 'linux')('odd paths', () => {
  it('an offload.yml that is a FIFO is refused at once as one; a folder of that name is no config', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-odd-')));
    roots.push(dir);
    execFileSync('mkfifo', [path.join(dir, 'offload.yml')]);
    const r = await runCli(['status'], { cwd: dir, timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error ${dir}/offload.yml:1:1: cannot read the config: the config must be a regular file; this is a named pipe (FIFO)`,
    );
    fs.rmSync(path.join(dir, 'offload.yml'));
    fs.mkdirSync(path.join(dir, 'offload.yml'));
    const folder = await runCli(['status'], { cwd: dir, timeoutMs: 10_000 });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('does not exist (nor does one in any folder above)');
  });

  it('an offload.yml that is a symbolic link is refused unread: nothing of its target is quoted', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-odd-')));
    roots.push(dir);
    fs.writeFileSync(path.join(dir, 'credentials'), 'https://octocat:ghp_SECRETTOKEN@github.com\n');
    fs.symlinkSync(path.join(dir, 'credentials'), path.join(dir, 'offload.yml'));
    const r = await runCli(['validate'], { cwd: dir, timeoutMs: 10_000, env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read the config: the config is a symbolic link');
    expect(r.stdout + r.stderr).not.toContain('SECRETTOKEN');
  });

  it.runIf(fs.existsSync('/proc/self'))('a data folder below /proc is one line, at once', async () => {
    const dir = makeProject(`name: odd\nphases:\n  local: { steps: [{ name: T, run: "true" }] }\n`);
    const r = await runCli(['trust', '--yes', '--data-dir', '/proc/offload-nope/data'], {
      cwd: dir,
      timeoutMs: 10_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'offload: cannot make the folder /proc/offload-nope: /proc takes no new folders (a system folder such as /proc) (ENOENT)',
    );
  });
});
