// The one module that says whether a path is the project's (boundary/project-paths.ts): validate, the run, the
// switch, the log watch and the kubeconfig check all ask it, so its edges are pinned here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findDotGit,
  gitWorkTreeRoot,
  isWithin,
  resolveProjectPath,
} from '../../main/core/boundary/project-paths';

const made: string[] = [];
const tmp = () => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-project-paths-')));
  made.push(d);
  return d;
};
const home = process.env.HOME;
afterEach(() => {
  process.env.HOME = home;
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('isWithin', () => {
  it('is the folder itself or below it; `..` and its paths, siblings sharing a prefix, are not', () => {
    expect(isWithin('/p/app', '/p/app')).toBe(true);
    expect(isWithin('/p/app', '/p/app/a/b')).toBe(true);
    expect(isWithin('/p/app', '/p')).toBe(false);
    expect(isWithin('/p/app', '/p/other/x')).toBe(false);
    expect(isWithin('/p/app', '/p/app-2/x')).toBe(false);
    expect(isWithin('/', '/etc/passwd')).toBe(true);
  });

  it('a file whose name starts with two dots is inside, not above', () => {
    expect(isWithin('/p/app', '/p/app/..stack.json')).toBe(true);
    expect(isWithin('/p/app', '/p/app/..d/x')).toBe(true);
  });
});

describe('resolveProjectPath', () => {
  it('accepts a template named ..stack.json in the project folder, and still refuses ../stack.json', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'app'));
    const app = path.join(dir, 'app');
    expect(resolveProjectPath(app, '..stack.json', { what: 'deploys templates' })).toEqual({
      target: path.join(app, '..stack.json'),
    });
    expect(resolveProjectPath(app, '../stack.json', { what: 'deploys templates' }).outside).toBe(
      `../stack.json resolves to ${dir}/stack.json, outside the project folder ${app}; Offload only deploys templates inside the project`,
    );
  });
});

describe('the .git walk', () => {
  it('finds the nearest .git; below the home folder it stops before home (a dotfiles repository is no project)', () => {
    const h = tmp();
    process.env.HOME = h;
    fs.mkdirSync(path.join(h, '.git'));
    const sub = path.join(h, 'code', 'app');
    fs.mkdirSync(sub, { recursive: true });
    expect(findDotGit(sub)).toBe(path.join(h, '.git'));
    expect(findDotGit(sub, { belowHome: true })).toBeUndefined();
    expect(gitWorkTreeRoot(sub)).toBeUndefined();
    fs.writeFileSync(path.join(h, 'code', '.git'), 'gitdir: /elsewhere\n'); // a worktree's .git file
    expect(findDotGit(sub, { belowHome: true })).toBe(path.join(h, 'code', '.git'));
    expect(gitWorkTreeRoot(sub)).toBe(path.join(h, 'code'));
  });
});
