/**
 * The AWS commands end to end: the real CLI (bin/offload.js) with the real SDK clients against the local AWS
 * endpoint — `offload aws status`, `offload switch aws|local`, `offload watch` — as a user runs them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';

describe('offload aws status / switch / watch', () => {
  let fake: FakeAws;
  let dir: string;
  const data = tempDataDir();
  const ENV_TEXT = '# where the dev tools find the model\nMODEL_URL=http://127.0.0.1:11434\nPORT=8080\n';
  const env = () => ({ ...TEST_ENV, OFFLOAD_HOME: data, HOME: data });

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    fake.state.setAlarm('api-5xx', 'OK');
    fake.state.health.set('/health', { status: 200, body: '{"status":"ok"}' });
    dir = makeProject(
      `name: aws-cli
env:
  AWS_API_URL: ${fake.url}
aws:
  endpoint: ${fake.url}
  region: us-east-1
gate:
  services: [{ cluster: dev, service: api }]
  endpoints: [{ name: api health, url: "\${{ env.AWS_API_URL }}/health", body: ok }]
  alarms: { names: [api-5xx] }
  consecutive-passes: 3
notify:
  desktop: false
  interval: 1s
  log-groups: [{ name: /ecs/api, window: 1s }]
switch:
  files:
    - path: .env
      keys:
        MODEL_URL: { aws: "\${{ env.AWS_API_URL }}/v1", local: "http://127.0.0.1:11434" }
`,
      { '.env': ENV_TEXT },
    );
  });
  afterAll(async () => fake.close());

  it('aws status: ✅ and exit 0 when services, endpoint and alarm are healthy; JSON too', async () => {
    // One round proves one pass: `consecutive-passes: 3` belongs to the continuous watch.
    const r = await runCli(['aws', 'status'], { cwd: dir, env: env() });
    expect(r.stderr).not.toMatch(/Error|error:/);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|Warning/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✅.*api/);
    expect(r.stdout).toMatch(/api-5xx/);
    const j = await runCli(['aws', 'status', '--json'], { cwd: dir, env: env() });
    const snap = JSON.parse(j.stdout);
    expect(snap.gate).toBe('ready');
    expect(snap.alarms[0]).toMatchObject({ name: 'api-5xx', state: 'OK' });
  });

  it('aws status: an alarm in ALARM is ❌, names it, and exits 1', async () => {
    fake.state.setAlarm('api-5xx', 'ALARM', 'Threshold Crossed: 5xx > 10');
    try {
      const r = await runCli(['aws', 'status'], { cwd: dir, env: env() });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/❌.*api-5xx/);
    } finally {
      fake.state.setAlarm('api-5xx', 'OK');
    }
  });

  it('aws status: a project with no gate is not ready (exit 1): nothing says AWS is, and the line says what to add', async () => {
    const bare = makeProject('name: no-gate\nphases:\n  local:\n    steps:\n      - run: "true"\n');
    const r = await runCli(['aws', 'status', '--no-color'], { cwd: bare, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /AWS disabled — offload\.yml configures no gate \(services, endpoints or alarms\), so nothing says AWS is ready: add gate\.endpoints/,
    );
  });

  it('aws status: expired credentials are not ready, with the fix in plain words', async () => {
    fake.state.expiredKeys.add(TEST_ENV.AWS_ACCESS_KEY_ID);
    try {
      const r = await runCli(['aws', 'status', '--json'], { cwd: dir, env: env() });
      expect(r.code).toBe(1);
      const snap = JSON.parse(r.stdout);
      expect(snap.gate).not.toBe('ready');
      expect(JSON.stringify(snap)).toMatch(/expired/i);
      expect(r.stdout + r.stderr).not.toContain(TEST_ENV.AWS_SECRET_ACCESS_KEY);
    } finally {
      fake.state.expiredKeys.delete(TEST_ENV.AWS_ACCESS_KEY_ID);
    }
  });

  it('switch aws then local: only MODEL_URL changes, and the way back is byte-identical', async () => {
    const file = path.join(dir, '.env');
    const a = await runCli(['switch', 'aws'], { cwd: dir, env: env() });
    expect(a.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(ENV_TEXT.replace('http://127.0.0.1:11434', `${fake.url}/v1`));
    const l = await runCli(['switch', 'local'], { cwd: dir, env: env() });
    expect(l.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(ENV_TEXT);
    expect((await runCli(['switch', 'sideways'], { cwd: dir, env: env() })).code).toBe(2);
  });

  it('switch aws is refused while an alarm fires (naming it), and allowed with --force, which says so', async () => {
    const file = path.join(dir, '.env');
    fake.state.setAlarm('api-5xx', 'ALARM', 'Threshold Crossed: 5xx > 10');
    try {
      const r = await runCli(['switch', 'aws'], { cwd: dir, env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not switched: AWS is not ready: alarm api-5xx in ALARM/);
      expect(r.stderr).toMatch(/--force/);
      expect(fs.readFileSync(file, 'utf8')).toBe(ENV_TEXT);
      const f = await runCli(['switch', 'aws', '--force'], { cwd: dir, env: env() });
      expect(f.code).toBe(0);
      expect(f.stderr).toMatch(/switched with --force: AWS is not ready: alarm api-5xx/);
      expect(fs.readFileSync(file, 'utf8')).toContain(`${fake.url}/v1`);
    } finally {
      fake.state.setAlarm('api-5xx', 'OK');
      await runCli(['switch', 'local'], { cwd: dir, env: env() });
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(ENV_TEXT);
  });

  it('watch started while the dev tools point at AWS and AWS is not ready: says so and offers the way back', async () => {
    fake.state.setAlarm('api-5xx', 'ALARM', 'Threshold Crossed: 5xx > 10');
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    try {
      // That watch has seen its first round (pointing at local) before the switch.
      await waitFor(() => out.includes('[gate] not-ready'), 15_000, 'the first round');
      expect((await runCli(['switch', 'aws', '--force'], { cwd: dir, env: env() })).code).toBe(0);
      child.kill('SIGINT');
      await collect(child);
      const again = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
      let out2 = '';
      again.stdout?.on('data', (d) => (out2 += d));
      try {
        await waitFor(
          () => out2.includes('Dev tools point at AWS, which is not ready'),
          15_000,
          'the warning',
        );
        expect(out2).toMatch(/alarm api-5xx in ALARM.*offload switch local/);
      } finally {
        again.kill('SIGINT');
      }
      expect((await collect(again)).code).toBe(130);
    } finally {
      child.kill('SIGINT');
      fake.state.setAlarm('api-5xx', 'OK');
      await runCli(['switch', 'local'], { cwd: dir, env: env() });
    }
    expect(out).not.toMatch(/Dev tools point at AWS/); // it pointed at local when that watch started
  });

  it('switch local whose start command is missing: exit 1 with the reason, and the journal says so', async () => {
    const d = makeProject(
      `name: no-ollama
switch:
  files:
    - path: .env
      keys: { MODEL_URL: { aws: "https://example.invalid/v1", local: "http://127.0.0.1:11434" } }
  local-models: { start: offload-test-no-such-server serve }
`,
      { '.env': 'MODEL_URL=https://example.invalid/v1\n' },
    );
    const r = await runCli(['switch', 'local'], { cwd: d, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the local models did not start: `offload-test-no-such-server serve` exited with code 127 \(command not found\)/,
    );
    expect(r.stdout).not.toMatch(/config now points at local/);
    expect(fs.readFileSync(path.join(d, '.env'), 'utf8')).toBe('MODEL_URL=http://127.0.0.1:11434\n');
    const journal = fs
      .readdirSync(path.join(data, 'projects'))
      .filter((p) => p.startsWith('no-ollama-'))
      .map((p) => fs.readFileSync(path.join(data, 'projects', p, 'journal.jsonl'), 'utf8'))
      .join('');
    const entry = journal
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.kind === 'config-switch');
    expect(entry.data.localModels).toMatchObject({ ok: false, command: 'offload-test-no-such-server serve' });
  });

  it('watch: prints the gate and a burst of new error lines as one notice; Ctrl-C exits 130', async () => {
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('[gate] ready'), 15_000, 'the gate to open');
      // While the watch runs, a one-shot status shows its live gate (and asks AWS nothing itself).
      const st = await runCli(['status', '--json'], { cwd: dir, env: env() });
      expect(JSON.parse(st.stdout).aws).toMatchObject({ gate: 'ready', live: { pid: child.pid } });
      fake.state.putLogs('/ecs/api', [
        'ERROR CUDA out of memory',
        'Traceback (most recent call last):',
        'info ok',
      ]);
      await waitFor(() => /2 new errors in \/ecs\/api/.test(out), 15_000, 'the error notice').catch((e) => {
        throw new Error(
          `${e.message}; output:\n${out}\nrequests: ${fake.state.requests
            .slice(-12)
            .map((r) => r.op + ':' + r.status)
            .join(' ')}`,
        );
      });
      expect(out).toMatch(/CUDA out of memory/);
    } finally {
      child.kill('SIGINT');
    }
    const r = await collect(child);
    expect(r.code).toBe(130);
  });
});
