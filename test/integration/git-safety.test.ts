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
