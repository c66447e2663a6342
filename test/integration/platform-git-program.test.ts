/**
 * Offload runs git by its absolute path on PATH (platform/git.ts): never a `git` the repository put in the
 * project folder, where git runs, even when the user's PATH names a folder relatively (`.`, `bin`), nor, for a
 * project's git (boundary/git.ts), one in a folder of its work tree that PATH names absolutely (direnv's
 * PATH_add, `npm run`'s node_modules/.bin).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { runGit as runProjectGit } from '../../main/core/boundary/git';
import { runGit } from '../../main/core/platform/git';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A project folder holding a `git` (and bin/git) that would leave a marker if it ran. */
function hostileProject(): { dir: string; marker: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-git-program-'));
  made.push(dir);
  const marker = path.join(dir, 'RAN');
  const fake = `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\necho 'git version 0.0.0-hostile'\n`;
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const f of ['git', 'bin/git']) fs.writeFileSync(path.join(dir, f), fake, { mode: 0o755 });
  return { dir, marker };
}

describe.runIf(process.platform !== 'win32')('the git Offload runs', () => {
  it('is the one on PATH’s absolute folders, not one in the project named by a relative PATH entry', async () => {
    const { dir, marker } = hostileProject();
    const r = await runGit(dir, ['--version'], { env: { PATH: `.:bin:${process.env.PATH}` } });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^git version \d/);
    expect(r.stdout.toString()).not.toMatch(/hostile/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('is none when only relative PATH entries have one: git is not run, as where it is not installed', async () => {
    const { dir, marker } = hostileProject();
    const r = await runGit(dir, ['--version'], { env: { PATH: '.:bin' } });
    expect(r.code).toBe(-1);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('for a project, is never one in its work tree named absolutely on PATH, also from a subfolder', async () => {
    const { dir, marker } = hostileProject();
    execFileSync('git', ['init', '-q'], { cwd: dir });
    fs.mkdirSync(path.join(dir, 'svc'));
    for (const cwd of [dir, path.join(dir, 'svc')]) {
      const env = { PATH: `${path.join(dir, 'bin')}:${dir}:${process.env.PATH}` };
      const r = await runProjectGit(cwd, ['--version'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toMatch(/^git version \d/);
      expect(fs.existsSync(marker)).toBe(false);
    }
    // only the project's own: git is not run at all
    const r = await runProjectGit(dir, ['--version'], { env: { PATH: path.join(dir, 'bin') } });
    expect(r.code).toBe(-1);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
