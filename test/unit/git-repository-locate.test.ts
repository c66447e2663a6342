/**
 * The repository's paths read from its files (locateFromFiles) are git's own answer (locateWithGit: one
 * rev-parse), for each shape of work tree git has; where git might answer otherwise, none is given and git is
 * asked. Real repositories made by git.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateFromFiles, locateWithGit, movesWorkTree } from '../../main/core/workflow/git-repository';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-locate-')));
  roots.push(d);
  return d;
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
const repo = () => {
  const dir = temp();
  git(dir, 'init', '-q');
  fs.mkdirSync(path.join(dir, 'apps', 'api'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'apps', 'api', 'a.txt'), 'a\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'init');
  return dir;
};

describe('where the repository is, without starting git', () => {
  it('the top, a sub-folder, one reached through a link, a linked worktree, a separate git folder: as git says', async () => {
    const top = repo();
    const link = path.join(temp(), 'link');
    fs.symlinkSync(path.join(top, 'apps'), link);
    const worktree = path.join(temp(), 'wt');
    git(top, 'worktree', 'add', '-q', worktree);
    const separate = temp();
    git(separate, 'init', '-q', '--separate-git-dir', path.join(temp(), 'store.git'));
    const dirs = [
      top,
      path.join(top, 'apps', 'api'),
      path.join(link, 'api'),
      worktree,
      path.join(worktree, 'apps'),
      separate,
    ];
    for (const dir of dirs) {
      const mine = locateFromFiles(dir);
      expect(mine, dir).toBeDefined();
      expect(mine, dir).toEqual(await locateWithGit(dir));
    }
  });

  it('where git might answer otherwise, git is asked', () => {
    const worktreeSet = repo();
    git(worktreeSet, 'config', 'core.worktree', worktreeSet);
    const includes = repo();
    git(includes, 'config', 'include.path', 'more.inc');
    const bare = repo();
    git(bare, 'config', 'core.bare', 'true');
    for (const dir of [worktreeSet, includes, bare]) expect(locateFromFiles(dir), dir).toBeUndefined();
    const plain = repo();
    expect(locateFromFiles(plain)).toBeDefined();
    expect(locateFromFiles(plain, { ...process.env, GIT_INDEX_FILE: '/tmp/other-index' })).toBeUndefined();
    expect(locateFromFiles(temp())).toBeUndefined(); // no repository
  });

  it('a SHA-256 repository is none for either (its ids are not content ids)', async () => {
    const dir = temp();
    try {
      git(dir, 'init', '-q', '--object-format=sha256');
    } catch {
      return; // a git without SHA-256 support: nothing to compare
    }
    expect(locateFromFiles(dir)).toBeUndefined();
    expect(await locateWithGit(dir)).toBeUndefined();
  });
});

describe('a repository whose config moves its work tree elsewhere', () => {
  it('core.worktree (/usr…) is not listed as the project: the fingerprint walks the project folder', async () => {
    const dir = repo();
    const elsewhere = temp();
    fs.writeFileSync(path.join(elsewhere, 'not-mine.txt'), 'x\n');
    git(dir, 'config', 'core.worktree', elsewhere);
    fs.writeFileSync(path.join(dir, 'new.js'), 'y\n');
    expect(movesWorkTree(dir)).toBe(true);
    const fp = await computeFingerprint({ dir, configHash: 'c' });
    expect(fp.source).toBe('content');
    expect([...fp.manifest.keys()].sort()).toEqual(['apps/api/a.txt', 'new.js']);
    expect(movesWorkTree(repo())).toBe(false);
  });
});
