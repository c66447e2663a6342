/**
 * `offload --version` is answered before the CLI bundle is loaded (issue 20: start-up ≤ 1.3× a bare Node):
 * from package.json, so it works, and is quick, even where the bundle is not there; the bundle's own answer
 * (`--version` with other arguments) is the same version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from '../helpers/cli';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-version-'));
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

it('answers --version and -V from package.json without loading dist/cli.cjs', () => {
  fs.mkdirSync(path.join(copy, 'bin'));
  fs.copyFileSync(CLI, path.join(copy, 'bin', 'offload.js'));
  fs.copyFileSync(path.join(path.dirname(CLI), 'code-cache.js'), path.join(copy, 'bin', 'code-cache.js'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  for (const flag of ['--version', '-V']) {
    const out = execFileSync(process.execPath, [path.join(copy, 'bin', 'offload.js'), flag], {
      encoding: 'utf8',
    });
    expect(out).toBe(`${version}\n`);
  }
});

it("the bundle's --version (with other arguments) is the same version", async () => {
  const r = await runCli(['--version', '--no-color'], { cwd: copy });
  expect(r.stdout.trim()).toBe(version);
});

it('a dist/ without the CLI (never built, or a build cut short) says so in one line, no stack', () => {
  fs.mkdirSync(path.join(copy, 'dist'), { recursive: true });
  const r = spawnSync(process.execPath, [path.join(copy, 'bin', 'offload.js'), 'status'], {
    encoding: 'utf8',
    cwd: copy,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(
    'offload: not built yet; run `npm run build` (or `npm install`) in the Offload folder first\n',
  );
});
