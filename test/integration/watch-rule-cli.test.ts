/**
 * The daily loop's last step, as a user runs it: after a green `offload run full`, `offload watch` under
 * `gate.policy: auto` (the same core, rule and journal as the tray) sees AWS ready on the local AWS endpoint,
 * stops the user's local model server (a real look-alike process), points .env at AWS, runs the `shutdown`
 * workflow — which the gates allow, because the switched .env is not source — and records each action.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { alive, escapeRegex, fixtureSandbox, type Started } from './machine-helpers';

const ENV_TEXT = 'MODEL_URL=http://127.0.0.1:11434\n';

describe.runIf(process.platform === 'linux')('offload watch with policy auto', () => {
  const box = fixtureSandbox('offload-watch-rule-');
  let fake: FakeAws;
  let dir: string;
  let ollama: Started;
  const data = tempDataDir();
  const marker = path.join(box.dir, 'shutdown-ran');
  const env = () => ({ ...TEST_ENV, OFFLOAD_HOME: data, HOME: data, MARKER: marker });

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.health.set('/health', { status: 200, body: 'ok' });
    dir = makeProject(
      `name: watch-rule
aws: { endpoint: ${fake.url}, region: us-east-1 }
gate:
  endpoints: [{ name: api, url: ${fake.url}/health, body: ok }]
  consecutive-passes: 2
  interval: 1s
  policy: auto
notify: { desktop: false }
models:
  exclude: [{ cmdline: '^(?!.*${escapeRegex(box.dir)})' }]
  grace: 1500ms
switch:
  files:
    - path: .env
      keys: { MODEL_URL: { aws: "${fake.url}/v1", local: "http://127.0.0.1:11434" } }
phases:
  local: { steps: [{ name: Unit tests, run: "true" }] }
  aws-prepare: { steps: [{ name: Image, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: Smoke, run: "true" }] }
  shutdown: { steps: [{ name: Verify against AWS, run: 'echo "$(grep MODEL_URL .env)" >> "$MARKER"' }] }
`,
      { '.env': ENV_TEXT, 'app.py': 'print("hi")\n' },
    );
    ollama = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: 'llama3.2:3b' } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await box.cleanup();
  });

  it('stops the model server, switches .env, runs shutdown against AWS and journals it', async () => {
    const full = await runCli(['run', 'full'], { cwd: dir, env: env() });
    expect(full.code).toBe(0);
    fs.rmSync(marker, { force: true });
    expect(alive(ollama.pid)).toBe(true);

    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      await waitFor(() => !alive(ollama.pid), 30_000, 'the model server to be stopped').catch((e) => {
        throw new Error(`${e.message}; output:\n${out}`);
      });
      await waitFor(() => fs.existsSync(marker), 30_000, 'the shutdown workflow').catch((e) => {
        throw new Error(`${e.message}; output:\n${out}`);
      });
      await waitFor(() => /\[run\] ✅ .* passed/.test(out), 10_000, 'the run to finish');
    } finally {
      child.kill('SIGINT');
    }
    expect((await collect(child)).code).toBe(130);
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(`MODEL_URL=${fake.url}/v1\n`);
    // The shutdown steps ran after the switch, against AWS.
    expect(fs.readFileSync(marker, 'utf8')).toBe(`MODEL_URL=${fake.url}/v1\n`);

    const [projectDir] = fs
      .readdirSync(path.join(data, 'projects'))
      .filter((p) => p.startsWith('watch-rule-'));
    const journal = fs
      .readFileSync(path.join(data, 'projects', projectDir!, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
    const actions = journal.filter((j) => j.kind === 'rule-action').map((j) => j.data.action);
    expect(actions).toEqual(['stop-local-models', 'config-switch', 'verify']);
    expect(journal.find((j) => j.data.action === 'stop-local-models')!.data.outcomes).toMatchObject([
      { pid: ollama.pid, result: 'stopped' },
    ]);
    expect(journal.find((j) => j.data.action === 'verify')!.data.result).toMatchObject({ status: 'passed' });
    const history = await runCli(['history', '--json'], { cwd: dir, env: env() });
    const runs = JSON.parse(history.stdout) as { workflow: string; status: string }[];
    expect(runs[0]).toMatchObject({ workflow: 'shutdown', status: 'passed' });

    // The rule did not block itself: the switched .env is not source, so AWS testing is still allowed.
    const status = await runCli(['status', '--json'], { cwd: dir, env: env() });
    const test = JSON.parse(status.stdout).workflows.find((w: { name: string }) => w.name === 'test');
    expect(test).toMatchObject({ allowed: true });
  });
});
