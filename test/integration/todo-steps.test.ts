// Steps named "TODO: …" (what offload init writes where it cannot guess) fail on purpose until filled in: `run`,
// `status` and `history` show them as to fill in (📝, "TODO step: <what>"), never as "exit code 1".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const stepLines = (out: string, name: string) =>
  out.split('\n').filter((l) => l.trim().endsWith(name) || l.includes(`${name}  `));

describe('TODO steps are to fill in, not broken', () => {
  it('a project init recognises nothing in: the run stops at "TODO: build", saying what to fill in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-todo-'));
    const data = tempDataDir();
    cleanup.push(dir, data);
    const env = { OFFLOAD_HOME: data };
    expect((await runCli(['init'], { cwd: dir, env })).code).toBe(0);
    const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env });
    expect(run.code).toBe(1);
    const done = stepLines(run.stdout, 'TODO: build').filter((l) => !l.includes('⏳') && !l.includes('│'));
    expect(done).toEqual([
      expect.stringMatching(/^ {3}📝 TODO: build {2}\(\d+ ms, TODO step: build the project here\)$/),
    ]);
    expect(run.stdout).not.toContain('exit code 1');
    expect(run.stdout).toMatch(
      /^❌ run failed in .+ — local: step "TODO: build" is to fill in — TODO step: build the project here$/m,
    );

    const status = await runCli(['status', '--data-dir', data], { cwd: dir, env });
    expect(status.stdout).toMatch(/^ {3}📝 TODO: build {2}\d+ ms, TODO step: build the project here$/m);
    expect(status.stdout).not.toContain('exit code 1');
  });

  it('a TODO step without a TODO line says its own name; a real failure keeps its exit code', async () => {
    const dir = makeProject(`name: todo
phases:
  local:
    steps:
      - name: "TODO: integration tests against the staging database"
        run: exit 3
        continue-on-error: true
      - name: real
        run: exit 1
`);
    const data = tempDataDir();
    cleanup.push(data);
    const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^ {3}📝 TODO: integration tests against the staging database {2}\(\d+ ms, TODO step: integration tests against the staging database\)$/m,
    );
    expect(run.stdout).toMatch(/^ {3}❌ real {2}\(\d+ ms, exit code 1\)$/m);
  });
});
