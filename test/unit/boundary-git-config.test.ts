/**
 * A repository whose git config includes a FIFO (or /dev/zero) would block git until its time limit (20 s) at
 * every `offload status`: the include is found before git runs, the folder walk lists the files instead, and
 * a warning says so once. Real repositories, real FIFOs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';
import { configFilePaths, gitConfigHazard } from '../../main/core/boundary/git-config';
import { runGit } from '../../main/core/boundary/git';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const repo = () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-include-')));
  roots.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  return dir;
};
const gitConfig = (dir: string, ...args: string[]) => execFileSync('git', ['config', ...args], { cwd: dir });
/** A repository whose config includes `.git/blocks`, a FIFO (git blocks reading it). */
const fifoIncludeRepo = () => {
  const dir = repo();
  execFileSync('mkfifo', [path.join(dir, '.git', 'blocks')]);
  gitConfig(dir, 'include.path', 'blocks');
  return dir;
};

describe('git config include paths are read as git reads them', () => {
  it('include and includeIf paths and core.excludesFile, quoted, commented, any case, one-line sections', () => {
    const text = [
      '[core]',
      '\texcludesFile = "~/ignore me" ; comment',
      '[Include]',
      '\tpath = a.inc',
      '[includeIf "gitdir:~/work/"]',
      '  PATH = "b \\"x\\".inc" # comment',
      '[include] path = c.inc',
      '[user]',
      '\tpath = not-an-include',
    ].join('\n');
    expect(configFilePaths(text)).toEqual({
      include: ['a.inc', 'b "x".inc', 'c.inc'],
      excludes: ['~/ignore me'],
    });
  });
});

describe.runIf(process.platform === 'linux')('a repository whose config makes git block', () => {
  // Each fingerprint is bounded by the test's limit (10 s), half git's 20 s: one that ran git here fails it.
  it(
    'include.path to a FIFO: the folder walk, at once, and a warning said once',
    { timeout: 10_000 },
    async () => {
      const dir = fifoIncludeRepo();
      const lines: string[] = [];
      const fp = await computeFingerprint({ dir, configHash: 'c', warn: (l) => lines.push(l) });
      expect(fp.source).toBe('content');
      expect([...fp.manifest.keys()]).toEqual(['a.txt']);
      await computeFingerprint({ dir, configHash: 'c', warn: (l) => lines.push(l) });
      expect(lines).toEqual([
        `offload: warning: git is not run on this repository: ${dir}/.git/config includes blocks (include.path), which is a named pipe (FIFO), not a regular file; the fingerprint lists the project's files by walking the folder`,
      ]);
    },
  );

  it(
    'includeIf to /dev/zero, a FIFO included by an included file, a FIFO excludes file',
    { timeout: 10_000 },
    async () => {
      const zero = repo();
      gitConfig(zero, 'includeIf.gitdir:/.path', '/dev/zero');
      expect(gitConfigHazard(zero)).toMatch(
        /includes \/dev\/zero \(include\.path\), which is a character device/,
      );
      const nested = repo();
      const fifo = path.join(nested, '.git', 'deep');
      execFileSync('mkfifo', [fifo]);
      fs.writeFileSync(path.join(nested, '.git', 'first.inc'), `[include]\n\tpath = ${fifo}\n`);
      gitConfig(nested, 'include.path', 'first.inc');
      expect(gitConfigHazard(nested)).toBe(
        `${nested}/.git/first.inc includes ${fifo} (include.path), which is a named pipe (FIFO), not a regular file`,
      );
      const excludes = repo();
      execFileSync('mkfifo', [path.join(excludes, 'ignore')]);
      gitConfig(excludes, 'core.excludesFile', path.join(excludes, 'ignore'));
      expect(gitConfigHazard(excludes)).toMatch(/\(core\.excludesFile\), which is a named pipe/);
      for (const dir of [zero, nested]) {
        const fp = await computeFingerprint({ dir, configHash: 'c', warn: () => undefined });
        expect(fp.source).toBe('content');
      }
    },
  );

  it('a regular include, or one not there, leaves git in use', async () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, '.git', 'extra.inc'), '[core]\n\tautocrlf = false\n');
    gitConfig(dir, '--add', 'include.path', 'extra.inc');
    gitConfig(dir, '--add', 'include.path', 'missing.inc');
    expect(gitConfigHazard(dir)).toBeUndefined();
    const lines: string[] = [];
    const fp = await computeFingerprint({ dir, configHash: 'c', warn: (l) => lines.push(l) });
    expect(fp.source).toBe('git');
    expect(lines).toEqual([]);
  });
});

describe('the files git reads without being told to', () => {
  const fifo = (file: string) => execFileSync('mkfifo', [file]);
  it('HEAD, and the .gitignore or .gitattributes of a folder from the top down to the project folder', () => {
    const head = repo();
    fs.rmSync(path.join(head, '.git', 'HEAD'));
    fifo(path.join(head, '.git', 'HEAD'));
    expect(gitConfigHazard(head)).toBe(`${head}/.git/HEAD is a named pipe (FIFO), not a regular file`);
    const top = repo();
    fifo(path.join(top, '.gitignore'));
    expect(gitConfigHazard(top)).toBe(`${top}/.gitignore is a named pipe (FIFO), not a regular file`);
    const between = repo();
    fs.mkdirSync(path.join(between, 'apps', 'api'), { recursive: true });
    fifo(path.join(between, 'apps', '.gitattributes'));
    expect(gitConfigHazard(path.join(between, 'apps', 'api'))).toMatch(
      /apps\/\.gitattributes is a named pipe/,
    );
    // a folder beside the path down to the project is not git's to read for it
    fs.mkdirSync(path.join(between, 'web'));
    fs.rmSync(path.join(between, 'apps', '.gitattributes'));
    fifo(path.join(between, 'apps', 'api', '.gitignore'));
    expect(gitConfigHazard(path.join(between, 'web'))).toBeUndefined();
  });

  it('a link git does not follow there is no hazard; a regular tree is none', () => {
    const dir = repo();
    fs.symlinkSync('/dev/zero', path.join(dir, '.gitignore'));
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.png binary\n');
    expect(gitConfigHazard(dir)).toBeUndefined();
  });

  it("the user's global config, what it includes, and git's default excludes file", () => {
    const dir = repo();
    const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-git-home-')));
    roots.push(home);
    // set and put back key by key: process.env replaced by a plain object would no longer reach the real
    // environment (os.homedir() of later tests in this worker)
    const keys = ['XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL'] as const;
    const saved = keys.map((k) => process.env[k]);
    try {
      process.env.XDG_CONFIG_HOME = path.join(home, 'xdg');
      fs.mkdirSync(path.join(home, 'xdg', 'git'), { recursive: true });
      process.env.GIT_CONFIG_GLOBAL = path.join(home, 'gitconfig');
      fs.writeFileSync(process.env.GIT_CONFIG_GLOBAL, `[include]\n\tpath = ${home}/more\n`);
      fifo(path.join(home, 'more'));
      expect(gitConfigHazard(dir)).toBe(
        `${home}/gitconfig includes ${home}/more (include.path), which is a named pipe (FIFO), not a regular file`,
      );
      fs.writeFileSync(process.env.GIT_CONFIG_GLOBAL, '[user]\n\tname = me\n');
      expect(gitConfigHazard(dir)).toBeUndefined();
      fifo(path.join(home, 'xdg', 'git', 'ignore'));
      expect(gitConfigHazard(dir)).toBe(`${home}/xdg/git/ignore is a named pipe (FIFO), not a regular file`);
    } finally {
      keys.forEach((k, i) => {
        if (saved[i] === undefined) delete process.env[k];
        else process.env[k] = saved[i];
      });
    }
  });
});

describe.runIf(process.platform === 'linux')('every git call goes through the same check', () => {
  // The engine's `rev-parse HEAD`, the team's `git config user.name` and CI's `--show-toplevel` ask git too:
  // bounded by the test's limit (10 s), half git's 20 s, so a call that ran git on the FIFO fails it.
  it(
    'boundary/git does not run git where the config includes a FIFO, and says why',
    { timeout: 10_000 },
    async () => {
      const dir = fifoIncludeRepo();
      const r = await runGit(dir, ['rev-parse', '--short', 'HEAD']);
      expect(r.code).toBe(-1);
      expect(r.hazard).toMatch(/blocks/);
      const clean = repo();
      expect((await runGit(clean, ['rev-parse', '--is-inside-work-tree'])).stdout.toString().trim()).toBe(
        'true',
      );
    },
  );
});
