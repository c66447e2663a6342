/**
 * The CLI's lazy parts (dist/yaml.cjs, scripts/build.mjs; dist/cli-part-*.cjs, scripts/cli-parts.mjs): a build missing it (an interrupted `npm run build`) or
 * holding a damaged one says so in one line instead of a stack. That a command on a kept config never loads it: test/unit/code-cache.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, ROOT } from '../helpers/cli';

it('a build without its YAML part, or with a damaged one: one line naming the file and the fix, exit 1, no stack', () => {
  // a copy of the built CLI (bin/ and dist/cli.cjs) without dist/yaml.cjs
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-partial-build-'));
  fs.cpSync(path.join(ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(copy, 'dist'));
  fs.copyFileSync(path.join(ROOT, 'dist', 'cli.cjs'), path.join(copy, 'dist', 'cli.cjs'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  const dir = makeProject('name: partial\nphases:\n  local:\n    steps:\n      - run: "true"\n');
  const run = (cli: string) =>
    spawnSync(process.execPath, [cli, 'validate', '--no-color'], { cwd: dir, encoding: 'utf8' });
  const partial = run(path.join(copy, 'bin', 'offload.js'));
  expect(partial.status).toBe(1);
  expect(partial.stderr).toBe(
    "offload: Offload's build is incomplete (dist/yaml.cjs is missing): run `npm run build` (or `npm install`) in the Offload folder\n",
  );
  // a damaged part (garbage, or a module without yaml's exports): one line too, naming it
  fs.writeFileSync(path.join(copy, 'dist', 'yaml.cjs'), 'this is not {{ JavaScript');
  const garbage = run(path.join(copy, 'bin', 'offload.js'));
  expect(garbage.status).toBe(1);
  expect(garbage.stderr).toMatch(
    /^offload: Offload's build is damaged \(dist\/yaml\.cjs: [^\n]+\): run `npm run build` \(or `npm install`\) in the Offload folder\n$/,
  );
  fs.writeFileSync(path.join(copy, 'dist', 'yaml.cjs'), 'module.exports = {};\n');
  expect(run(path.join(copy, 'bin', 'offload.js')).stderr).toBe(
    "offload: Offload's build is damaged (dist/yaml.cjs lacks what it exports): run `npm run build` (or `npm install`) in the Offload folder\n",
  );
  // the whole build parses the same file
  const whole = run(path.join(ROOT, 'bin', 'offload.js'));
  expect(whole.status).toBe(0);
  expect(whole.stdout).toMatch(/offload\.yml is valid: project "partial"/);
});

it("a build without one of the CLI's parts, or with a damaged one: the command that needs it says so in one line; the others run", () => {
  // a copy of the built CLI with every file but the part `init` loads (dist/cli-part-core-init.cjs)
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-partial-build-'));
  fs.cpSync(path.join(ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true });
  const part = path.join(copy, 'dist', 'cli-part-core-init.cjs');
  expect(fs.existsSync(part)).toBe(true);
  fs.rmSync(part);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  const cli = path.join(copy, 'bin', 'offload.js');
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-partial-init-'));
  const init = () =>
    spawnSync(process.execPath, [cli, 'init', '--no-color'], { cwd: empty, encoding: 'utf8' });
  const missing = init();
  expect(missing.status).toBe(1);
  expect(missing.stderr).toBe(
    "offload: Offload's build is incomplete (dist/cli-part-core-init.cjs is missing): run `npm run build` (or `npm install`) in the Offload folder\n",
  );
  expect(fs.existsSync(path.join(empty, 'offload.yml'))).toBe(false);
  fs.writeFileSync(part, 'this is not {{ JavaScript');
  const garbage = init();
  expect(garbage.status).toBe(1);
  expect(garbage.stderr).toMatch(
    /^offload: Offload's build is damaged \(dist\/cli-part-core-init\.cjs: [^\n]+\): run `npm run build` \(or `npm install`\) in the Offload folder\n$/,
  );
  // a folder in the part's place is no missing file: it is said to be what it is
  fs.rmSync(part);
  fs.mkdirSync(part);
  expect(init().stderr).toBe(
    "offload: Offload's build is damaged (dist/cli-part-core-init.cjs is not a file): run `npm run build` (or `npm install`) in the Offload folder\n",
  );
  // a command that needs no part runs as ever
  const dir = makeProject('name: partial\nphases:\n  local:\n    steps:\n      - run: "true"\n');
  const valid = spawnSync(process.execPath, [cli, 'validate', '--no-color'], { cwd: dir, encoding: 'utf8' });
  expect(valid.status).toBe(0);
  // and the whole build's init writes the file
  const whole = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'offload.js'), 'init', '--no-color'], {
    cwd: empty,
    encoding: 'utf8',
  });
  expect(whole.status).toBe(0);
  expect(fs.existsSync(path.join(empty, 'offload.yml'))).toBe(true);
});
