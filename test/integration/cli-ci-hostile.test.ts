/**
 * `offload ci …` in a hostile repository: a symlinked folder may not lead the generated file out of the project,
 * a `.node-version` that is a FIFO or /dev/zero may not hang the command or fill memory, and a dangling symlink
 * in the file's place counts as an existing file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

/** A git repository whose Offload project is the folder `sub` (its real path returned with the root). */
function repoWith(sub: string): { root: string; project: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-mono-')));
  execFileSync('git', ['init', '-q', root]);
  const project = path.join(root, sub);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'offload.yml'), PROJECT);
  return { root, project };
}

const PROJECT = `name: hostile
phases:
  local:
    steps:
      - run: 'true'
`;

const ci = (dir: string, ...args: string[]) =>
  runCli(['ci', ...args, '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });

describe('offload ci in a hostile repository', () => {
  it('refuses a .github that is a symlink out of the project: nothing is created or written there', async () => {
    const dir = makeProject(PROJECT);
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-'));
    fs.symlinkSync(outside, path.join(dir, '.github'));
    const r = await ci(dir, 'github');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/outside the project folder .*symbolic link.*nothing was written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('writes through a symlinked folder that stays inside the project', async () => {
    const dir = makeProject(PROJECT, { 'ci/workflows/keep.txt': 'x' });
    fs.symlinkSync(path.join(dir, 'ci'), path.join(dir, '.github'));
    const r = await ci(dir, 'github');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'ci', 'workflows', 'offload.yml'), 'utf8')).toMatch(/^# The rule/);
  });

  it('a .node-version that is a FIFO or /dev/zero: Node 24, at once', async () => {
    const dir = makeProject(PROJECT);
    execFileSync('mkfifo', [path.join(dir, '.node-version')]);
    fs.symlinkSync('/dev/zero', path.join(dir, '.nvmrc'));
    const started = Date.now();
    const r = await ci(dir, 'gitlab', '--stdout');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/image: node:24\n/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a dangling symlink in the file’s place is an existing file: refused without --force, replaced (not followed) with it', async () => {
    const dir = makeProject(PROJECT);
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-')), 'created');
    fs.symlinkSync(target, path.join(dir, '.gitlab-ci.yml'));
    const refused = await ci(dir, 'gitlab');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; use --force/);
    const forced = await ci(dir, 'gitlab', '--force');
    expect(forced.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, '.gitlab-ci.yml')).isFile()).toBe(true);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('monorepo: a root .github symlinked out of the repository is refused, nothing is written there', async () => {
    const { root, project } = repoWith('services/api');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-'));
    fs.symlinkSync(outside, path.join(root, '.github'));
    const r = await ci(project, 'github');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/outside the repository .*symbolic link.*nothing was written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('monorepo: a project folder symlinked in from outside the repository is refused', async () => {
    const { root } = repoWith('services');
    const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-')));
    fs.writeFileSync(path.join(outside, 'offload.yml'), PROJECT);
    fs.symlinkSync(outside, path.join(root, 'services', 'api'));
    // The repository named as git's own variables name it (the shell's cwd through the symlink is the outside folder).
    const r = await runCli(['ci', 'codebuild', '--data-dir', tempDataDir()], {
      cwd: path.join(root, 'services', 'api'),
      untrusted: true,
      env: { GIT_DIR: path.join(root, '.git'), GIT_WORK_TREE: root },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the project folder ${outside} is outside its git repository ${root}`);
    expect(fs.readdirSync(outside)).toEqual(['offload.yml']);
    expect(fs.existsSync(path.join(root, 'buildspec.yml'))).toBe(false);
  });

  it('monorepo: a folder name CI would evaluate (${{ }}, $) is refused, not written into the file', async () => {
    const { root, project } = repoWith('services/${{ secrets.TOKEN }}');
    const r = await ci(project, 'github');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has characters a CI file cannot hold literally.*nothing was written/);
    expect(fs.existsSync(path.join(root, '.github'))).toBe(false);
  });

  it('monorepo: a root .gitlab-ci.yml that is a dangling symlink is not written through', async () => {
    const { root, project } = repoWith('services/api');
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-')), 'created');
    fs.symlinkSync(target, path.join(root, '.gitlab-ci.yml'));
    const r = await ci(project, 'gitlab');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('was left as it is');
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.existsSync(path.join(project, '.gitlab-ci.offload.yml'))).toBe(true);
  });
});
