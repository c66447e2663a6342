/** A real git repository of the given files, committed once (removed when the test file's suite ends). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Removes `file` (or folder) when the suite ends. */
export function removeAfterSuite(file: string): void {
  roots.push(file);
}

/** A temporary folder removed with the others when the suite ends. */
export function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** `files` (relative path -> text) written and committed in a new repository without CRLF conversion. */
export function gitRepo(files: Record<string, string>): { dir: string; git: (...args: string[]) => void } {
  const dir = tempFolder('offload-git-repo-');
  const git = (...args: string[]) => {
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  };
  git('init', '-q');
  git('config', 'core.autocrlf', 'false');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  git('add', '-A');
  git('commit', '-qm', 'init');
  return { dir, git };
}
