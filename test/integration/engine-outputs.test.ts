// Step outputs carried across runs, end to end with the real CLI: a step of a phase this run skips (aws-prepare
// for `services`) is read from its latest passed run, kept masked in the project's state (outputs.json).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function project(yaml: string): string {
  const dir = makeProject(yaml);
  made.push(dir);
  return dir;
}

function dataDir(): string {
  const d = tempDataDir();
  made.push(d);
  return d;
}

/** Every file under a folder with its text. */
function readAll(dir: string): { file: string; text: string }[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

const SECRET = 'tok-9f8e7d6c5b4a-SECRET';

const run = async (dir: string, data: string, workflow: string) => {
  const r = await runCli(['run', workflow, '--json', '--data-dir', data], {
    cwd: dir,
    env: { DEPLOY_TOKEN: SECRET },
  });
  return { ...r, json: JSON.parse(r.stdout) as { runId: string; status: string; reason?: string } };
};

const logsOf = async (dir: string, data: string) =>
  (await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir })).stdout;

describe('outputs across runs', () => {
  it('services uses the image output of the aws-prepare step from the latest infrastructure run', async () => {
    const dir = project(`name: carry
secrets: [DEPLOY_TOKEN]
phases:
  local:
    steps:
      - name: Build
        run: echo built
  aws-prepare:
    steps:
      - id: image
        name: Build image
        run: |
          echo "image=repo:$(cat tag.txt)" >> "$OFFLOAD_OUTPUT"
          echo "token=$DEPLOY_TOKEN" >> "$OFFLOAD_OUTPUT"
  aws-deploy:
    steps:
      - id: deploy
        name: Deploy
        run: echo "deploying \${{ steps.image.outputs.image }}"
  aws-test:
    steps:
      - name: Check
        run: echo checked
`);
    const data = dataDir();
    fs.writeFileSync(path.join(dir, 'tag.txt'), 'abc\n');
    const infra = await run(dir, data, 'infrastructure');
    expect(infra.json.status).toBe('passed');
    expect(infra.code).toBe(0);

    // Kept in the project's state, masked: the secret output reads *** and is marked so.
    const files = readAll(data);
    const kept = files.find((f) => path.basename(f.file) === 'outputs.json');
    expect(kept, 'outputs.json in the project state').toBeDefined();
    const state = JSON.parse(kept!.text);
    expect(state.steps.image).toMatchObject({
      runId: infra.json.runId,
      workflow: 'infrastructure',
      phase: 'aws-prepare',
      outputs: { image: 'repo:abc', token: '***' },
      masked: ['token'],
    });
    expect(typeof state.steps.image.fingerprint).toBe('string');
    for (const f of files) expect(f.text, f.file).not.toContain(SECRET);

    // A later services run (no aws-prepare phase) prints the carried image and says where it came from.
    const svc = await run(dir, data, 'services');
    expect(svc.json.status, svc.json.reason).toBe('passed');
    const logs = await logsOf(dir, data);
    expect(logs).toContain('deploying repo:abc');
    expect(logs).toMatch(
      new RegExp(
        `using outputs of step 'image' from run ${infra.json.runId} \\(\\d{4}-\\d\\d-\\d\\dT[^)]+\\), made from this source`,
      ),
    );

    // After an edit, services refuses the image built from the older source instead of shipping it as new.
    fs.writeFileSync(path.join(dir, 'tag.txt'), 'def\n');
    const stale = await run(dir, data, 'services');
    expect(stale.json.status).toBe('failed');
    expect(JSON.stringify(stale.json)).toMatch(
      /step 'image' \(aws-prepare\) last passed on an older source \(run [^)]+\).*offload run (full|infrastructure)/,
    );
    expect(await logsOf(dir, data)).not.toContain('deploying repo:abc\ndeploying');

    // A newer infrastructure run replaces the record; services follows it.
    const infra2 = await run(dir, data, 'infrastructure');
    expect(infra2.json.status).toBe('passed');
    expect((await run(dir, data, 'services')).json.status).toBe('passed');
    const logs2 = await logsOf(dir, data);
    expect(logs2).toContain('deploying repo:def');
    expect(logs2).toContain(`from run ${infra2.json.runId}`);
    for (const f of readAll(data)) expect(f.text, f.file).not.toContain(SECRET);
  });

  it('a step that never passed is named with the command that produces it; a secret output is not carried', async () => {
    const dir = project(`name: carry-errors
secrets: [DEPLOY_TOKEN]
phases:
  local:
    steps:
      - name: Build
        run: echo built
  aws-prepare:
    steps:
      - id: image
        name: Build image
        run: |
          echo "image=repo:abc" >> "$OFFLOAD_OUTPUT"
          echo "token=$DEPLOY_TOKEN" >> "$OFFLOAD_OUTPUT"
  aws-test:
    steps:
      - name: Check
        run: echo "token is \${{ steps.image.outputs.token }}" > used-token.txt
workflows:
  local: [local]
`);
    const data = dataDir();
    expect((await run(dir, data, 'local')).json.status).toBe('passed');
    const never = await run(dir, data, 'test');
    expect(never.code).toBe(1);
    expect(never.json.status).toBe('failed');
    expect(never.json.reason).toMatch(
      /step 'image' \(aws-prepare\) has never passed.*run `offload run full` or `offload run infrastructure` first/,
    );
    expect(fs.existsSync(path.join(dir, 'used-token.txt'))).toBe(false);

    expect((await run(dir, data, 'infrastructure')).json.status).toBe('passed');
    const secret = await run(dir, data, 'test');
    expect(secret.json.status).toBe('failed');
    expect(secret.json.reason).toMatch(/output 'token' of step 'image' .*held a secret/);
    expect(fs.existsSync(path.join(dir, 'used-token.txt'))).toBe(false);
    for (const f of readAll(data)) expect(f.text, f.file).not.toContain(SECRET);
  });

  it('a step of this run that did not pass is an error, even when an earlier run kept its outputs', async () => {
    const dir = project(`name: carry-same-run
phases:
  local:
    steps:
      - id: flaky
        name: Flaky
        continue-on-error: true
        run: test ! -f fail-now && echo "x=from-flaky" >> "$OFFLOAD_OUTPUT"
      - name: Use
        run: echo "got \${{ steps.flaky.outputs.x }}"
workflows:
  local: [local]
`);
    const data = dataDir();
    const ok = await run(dir, data, 'local');
    expect(ok.json.status).toBe('passed');
    expect(await logsOf(dir, data)).toContain('got from-flaky');

    fs.writeFileSync(path.join(dir, 'fail-now'), '');
    const bad = await run(dir, data, 'local');
    expect(bad.json.status).toBe('failed');
    expect(bad.json.reason).toMatch(/step 'flaky' is part of this run but has not passed in it/);
    expect(await logsOf(dir, data)).not.toContain('got from-flaky');
  });
});
