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
});
