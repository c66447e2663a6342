// gates.json, damaged by hand or by a tool as the user's own private file, never breaks the project's runs and
// never lifts a gate: a record that is not one (null) failed every `offload run` until the file was removed by
// hand, and a `seq` below its records' numbered a new deployment before the AWS test that preceded it, so
// shutdown ran after a deployment whose AWS test failed. Real CLI runs, real files.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A project whose AWS test passes until `fail-aws-test` exists in the marker folder; `shutdown-ran` shows shutdown ran. */
const PROJECT = `name: gates-damaged
phases:
  local:
    steps:
      - name: unit
        run: echo unit
  aws-deploy:
    steps:
      - name: deploy
        run: echo deployed
  aws-test:
    steps:
      - name: health
        run: test ! -e "$GATES_TEST_MARKS/fail-aws-test"
  shutdown:
    steps:
      - name: stop
        run: touch "$GATES_TEST_MARKS/shutdown-ran"
`;

function setUp(): { dir: string; data: string; marks: string; gates: () => string; env: NodeJS.ProcessEnv } {
  const dir = makeProject(PROJECT);
  const data = tempDataDir();
  dirs.push(dir, data);
  // the marker folder is outside the project: markers do not change the fingerprint
  const marks = fs.mkdtempSync(path.join(data, '..', 'offload-marks-'));
  dirs.push(marks);
  const env = { GATES_TEST_MARKS: marks };
  const gates = () => {
    const projects = path.join(data, 'projects');
    const [p] = fs.readdirSync(projects);
    return path.join(projects, p!, 'gates.json');
  };
  return { dir, data, marks, gates, env };
}

const run = (args: string[], dir: string, data: string, env: NodeJS.ProcessEnv) =>
  runCli([...args, '--data-dir', data], { cwd: dir, env });

describe('a damaged gates.json', () => {
  it('a record that is not an object: offload run still runs, and writes the file anew', async () => {
    const { dir, data, gates, env } = setUp();
    expect((await run(['run', 'local'], dir, data, env)).code).toBe(0);
    const state = JSON.parse(fs.readFileSync(gates(), 'utf8')) as { localPasses: unknown[] };
    state.localPasses.unshift(null, 1);
    fs.writeFileSync(gates(), JSON.stringify(state), { mode: 0o600 });
    const again = await run(['run', 'local'], dir, data, env);
    expect(again.stdout + again.stderr).not.toMatch(/Cannot read properties/);
    expect(again.code).toBe(0);
    expect((await run(['run', 'local'], dir, data, env)).code).toBe(0);
  }, 60_000);

  it('a seq below its records’: a later deployment whose AWS test failed does not open shutdown', async () => {
    const { dir, data, marks, gates, env } = setUp();
    expect((await run(['run', 'services'], dir, data, env)).code).toBe(0);
    const state = JSON.parse(fs.readFileSync(gates(), 'utf8')) as { seq: number };
    state.seq = 0;
    fs.writeFileSync(gates(), JSON.stringify(state), { mode: 0o600 });
    fs.writeFileSync(path.join(marks, 'fail-aws-test'), '');
    expect((await run(['run', 'services'], dir, data, env)).code).toBe(1);
    const shutdown = await run(['run', 'shutdown'], dir, data, env);
    expect(fs.existsSync(path.join(marks, 'shutdown-ran'))).toBe(false);
    expect(shutdown.code).toBe(1);
  }, 60_000);
});
