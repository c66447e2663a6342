/**
 * Git is always run so that the repository's own configuration cannot start programs: a hostile .git/config
 * (fsmonitor, hooks, a clean filter on every file, an external diff) runs nothing when Offload fingerprints it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

describe.runIf(process.platform === 'linux')('git under a hostile repository config', () => {
  it('offload status runs none of the programs .git/config names', async () => {
    const dir = makeProject(`name: hostile-git\nphases:\n  local: { steps: [{ name: T, run: "true" }] }\n`, {
      'app.py': 'print(1)\n',
    });
    const marker = path.join(tempDataDir(), 'ran');
    const evil = path.join(dir, 'evil.sh');
    fs.writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> "${marker}"\ncat\n`, { mode: 0o755 });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'init');
    git('config', 'core.fsmonitor', evil);
    git('config', 'filter.evil.clean', evil);
    git('config', 'filter.evil.smudge', evil);
    git('config', 'diff.external', evil);
    git('config', 'core.pager', evil);
    fs.writeFileSync(path.join(dir, '.gitattributes'), '* filter=evil\n');
    fs.writeFileSync(path.join(dir, 'app.py'), 'print(2)\n'); // a change git would otherwise re-check
    const r = await runCli(['status', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
    // The check can fail: plain git in the same repository does run it.
    execFileSync('git', ['status', '--porcelain'], { cwd: dir });
    expect(fs.existsSync(marker)).toBe(true);
  });
});

describe.runIf(process.platform === 'linux')('a repository whose git config includes a FIFO', () => {
  // git blocks reading the FIFO until its 20 s limit: a run that asked git anything waited that long (the
  // engine's rev-parse HEAD for the deployment record); the test's limit (15 s) is under git's
  it('a deploying run names no commit and does not wait for git', { timeout: 15_000 }, async () => {
    const yml = `name: fifo-include\nphases:\n  local: { steps: [{ name: L, run: "true" }] }\n  aws-deploy: { steps: [{ name: D, run: "true" }] }\n  aws-test: { steps: [{ name: T, run: "true" }] }\n`;
    const dir = makeProject(yml, { 'app.py': 'print(1)\n' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('mkfifo', [path.join(dir, '.git', 'blocks')]);
    execFileSync('git', ['config', 'include.path', 'blocks'], { cwd: dir });
    const data = tempDataDir();
    expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir })).code).toBe(0);
    const r = await runCli(['run', 'services', '--data-dir', data], { cwd: dir });
    expect(r.code).toBe(0);
  });
});

describe.runIf(process.platform === 'linux')('a FIFO git reads where no configuration names it', () => {
  // The .gitignore of a folder below the project: found by git, not by the check before it. git is seen
  // waiting on the FIFO and stopped (in about a second, well under its 20 s limit and the test's 15 s), the
  // warning says so once, and a run's later git questions do not wait again.
  it(
    'offload status and run say git was stopped, and go on with the folder walk',
    { timeout: 15_000 },
    async () => {
      const yml = `name: fifo-deep\nphases:\n  local: { steps: [{ name: L, run: "true" }] }\n`;
      const dir = makeProject(yml, { 'app.py': 'print(1)\n' });
      execFileSync('git', ['init', '-q'], { cwd: dir });
      fs.mkdirSync(path.join(dir, 'sub'));
      execFileSync('mkfifo', [path.join(dir, 'sub', '.gitignore')]);
      const data = tempDataDir();
      const status = await runCli(['status', '--data-dir', data], { cwd: dir });
      expect(status.code).toBe(0);
      const said = (out: string) =>
        out.split('\n').filter((l) => l.includes('git is not run on this repository'));
      expect(said(status.stderr)).toEqual([
        "offload: warning: git is not run on this repository: git waited to open a named pipe (FIFO) it reads here, and was stopped (find it with `find . -type p`); the fingerprint lists the project's files by walking the folder",
      ]);
      expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir })).code).toBe(0);
      const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
      expect(run.code).toBe(0);
      expect(said(run.stderr)).toHaveLength(1);
    },
  );
});
