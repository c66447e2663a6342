/**
 * A declared secret whose value is written in offload.yml's `env:` (validate warns about it) is masked in a
 * run's output and its step log as one from the environment is: a trial found it printed in clear everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

it("a secret given its value in offload.yml's env is masked in the output and the step log", async () => {
  const dir = makeProject(
    'name: literal\nsecrets: [API_KEY]\nenv:\n  API_KEY: s3cr3tvalue42\nphases:\n  local:\n    steps:\n      - id: say\n        run: echo "key=${{ env.API_KEY }}"\n',
  );
  const data = tempDataDir();
  const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('key=***');
  expect(r.stdout + r.stderr).not.toContain('s3cr3tvalue42');
  const logs = fs
    .readdirSync(data, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.log'))
    .map((f) => fs.readFileSync(path.join(data, f), 'utf8'));
  expect(logs.join('')).toContain('key=***');
  expect(logs.join('')).not.toContain('s3cr3tvalue42');
});
