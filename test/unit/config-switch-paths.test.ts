// switch.files are rewritten by Offload: validate refuses any that resolves outside the project folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems';

const project = (switchPath: string, files: Record<string, string> = {}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-switch-path-'));
  for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), t);
  fs.writeFileSync(
    path.join(dir, 'offload.yml'),
    `name: p\nswitch:\n  files:\n    - path: ${switchPath}\n      keys: { A: { aws: x, local: y } }\n`,
  );
  return dir;
};
const problems = configProblems;

describe('switch.files must stay inside the project', () => {
  it('a relative path inside is fine, a file not created yet too', () => {
    expect(problems(project('.env', { '.env': 'A=y\n' }))).toEqual([]);
    expect(problems(project('config/new.env'))).toEqual([]);
  });

  it('../ and absolute paths outside are refused at their position', () => {
    const [p] = problems(project('../.bashrc'));
    expect(p).toMatchObject({ line: 4, column: 13, path: 'switch.files[0].path' });
    expect(p!.message).toMatch(/outside the project folder/);
    expect(problems(project(path.join(os.homedir(), '.profile')))[0]!.message).toMatch(/outside the project/);
  });

  it('a symlink inside the project that points outside is refused (the write would follow it)', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-'));
    fs.writeFileSync(path.join(outside, 'rc'), 'A=y\n');
    const dir = project('.env');
    fs.symlinkSync(path.join(outside, 'rc'), path.join(dir, '.env'));
    expect(problems(dir)[0]!.message).toMatch(
      /resolves to .*offload-outside-.*rc, outside the project folder/,
    );
  });
});
