/**
 * "Not deployed" through the CLI, the way a user meets it: deploy, edit, `run local`, commit, `run test` —
 * the AWS test passes on the new source, but AWS still runs the old one, and `run test` and `status` say so.
 * A real git repository; the deploy step is a local command.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

const YAML = `name: drift
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-prepare: { steps: [{ name: Image, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "echo deploying" }] }
  aws-test: { steps: [{ name: Smoke, run: "true" }] }
`;

describe('drift after an AWS test on a newer source', () => {
  it('run test and status report that AWS runs an older source than the working tree', async () => {
    const dir = makeProject(YAML, { 'src/app.py': 'print("v1")\n' });
    const data = tempDataDir();
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], {
        cwd: dir,
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    const v1 = git('rev-parse', '--short', 'HEAD').trim();
    expect(trustProject(dir, data)).toBe(true);
    const cli = (...args: string[]) => runCli([...args, '--data-dir', data], { cwd: dir });

    const full = await cli('run', 'full');
    expect(full.code).toBe(0);
    expect(full.stdout).not.toContain('not deployed');
    const deployRun = (JSON.parse((await cli('history', '--json')).stdout) as { runId: string }[])[0]!.runId;

    fs.writeFileSync(path.join(dir, 'src', 'app.py'), 'print("v2")\n');
    expect((await cli('run', 'local')).code).toBe(0);
    git('commit', '-qam', 'v2');

    const test = await cli('run', 'test');
    expect(test.code).toBe(0);
    expect(test.stdout).toContain(
      `not deployed: AWS runs an older source (commit ${v1}, run ${deployRun}); 1 file changed since: src (1)`,
    );
    const status = await cli('status');
    expect(status.stdout).toContain(
      `not deployed: AWS runs an older source (commit ${v1}, run ${deployRun})`,
    );
    const json = JSON.parse((await cli('status', '--json')).stdout) as { drift: unknown };
    expect(json.drift).toMatchObject({
      changed: 1,
      files: ['src/app.py'],
      deployedRunId: deployRun,
      deployedCommit: v1,
    });

    // Deploying the new source ends the drift.
    expect((await cli('run', 'services')).code).toBe(0);
    expect((await cli('status')).stdout).not.toContain('not deployed');
    expect(JSON.parse((await cli('status', '--json')).stdout)).toMatchObject({ drift: null });
  }, 60_000);
});
