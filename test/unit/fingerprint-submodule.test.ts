/**
 * A submodule's files are deployed like the project's own: a gate must see them change. Its folder is one
 * gitlink in the project's index, which Node skipped as "not a file", so checking out another commit in the
 * submodule, or editing a file there, left the fingerprint (kept or afresh) as it was and AWS phases ran on
 * source local never tested. Real git repositories, a real `git submodule add`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';
import { gitRepo, tempFolder } from '../helpers/git-repo';

function withSubmodule() {
  const lib = gitRepo({ 'lib.py': 'v = 0\n' });
  fs.writeFileSync(path.join(lib.dir, 'lib.py'), 'v = 1\n');
  lib.git('commit', '-qam', 'second');
  const app = gitRepo({ 'app.py': 'import lib\n' });
  app.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.dir, 'vendor/lib');
  app.git('commit', '-qm', 'lib');
  const sub = path.join(app.dir, 'vendor', 'lib');
  const inSub = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd: sub,
      stdio: 'ignore',
    });
  const state = tempFolder('offload-fp-state-');
  const kept = () => computeFingerprint({ dir: app.dir, configHash: 'c', stateDir: state });
  const fresh = () => computeFingerprint({ dir: app.dir, configHash: 'c' });
  return { sub, inSub, kept, fresh };
}

/** Files written now count as old enough to cache (the racy-git window is 2 s). */
const later = () => vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 10_000);

describe('a submodule is part of the fingerprint', () => {
  it('an edit to a file in the submodule changes it, kept or afresh', async () => {
    const r = withSubmodule();
    later();
    const before = (await r.kept()).value;
    expect((await r.kept()).value).toBe(before);
    fs.writeFileSync(path.join(r.sub, 'lib.py'), 'v = 2\n');
    expect((await r.kept()).value).not.toBe(before);
    expect((await r.fresh()).value).not.toBe(before);
    r.inSub('checkout', '-q', 'lib.py');
    expect((await r.kept()).value).toBe(before);
    vi.restoreAllMocks();
  });

  it('another commit checked out in the submodule changes it', async () => {
    const r = withSubmodule();
    const before = (await r.kept()).value;
    r.inSub('checkout', '-q', 'HEAD~1');
    expect((await r.kept()).value).not.toBe(before);
    expect((await r.fresh()).value).not.toBe(before);
  });

  it('an untracked file added in the submodule changes it', async () => {
    const r = withSubmodule();
    const before = (await r.fresh()).value;
    fs.writeFileSync(path.join(r.sub, 'extra.py'), 'x = 1\n');
    expect((await r.fresh()).value).not.toBe(before);
  });
});
