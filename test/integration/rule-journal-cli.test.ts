/**
 * What the rule did, why, and that it stuck — as a user sees it: `offload watch` under `gate.policy: auto` with a
 * `shutdown` workflow that has no steps stops a real model-server look-alike and switches .env, but never counts
 * the empty workflow as verified; `offload journal` shows each action with its reason; the user's own
 * `models stop` is journalled (a dry run is not); `offload run shutdown` is blocked with the reason status gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { alive, escapeRegex, fixtureSandbox, type Started } from './machine-helpers';

interface Line {
  at: string;
  kind: string;
  text: string;
  data: Record<string, unknown>;
}

describe.runIf(process.platform === 'linux')('offload journal after offload watch (policy auto)', () => {
  const box = fixtureSandbox('offload-journal-');
  let fake: FakeAws;
  let dir: string;
  let ollama: Started;
  const data = tempDataDir();
  const env = () => ({ ...TEST_ENV, OFFLOAD_HOME: data, HOME: data });

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.health.set('/health', { status: 200, body: 'ok' });
    dir = makeProject(
      `name: journal-rule
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
`,
      { '.env': 'MODEL_URL=http://127.0.0.1:11434\n', 'app.py': 'print("hi")\n' },
    );
    ollama = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: 'llama3.2:3b' } });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
    await box.cleanup();
  });

  const journalFile = () => {
    const projects = path.join(data, 'projects');
    if (!fs.existsSync(projects)) return '';
    return fs
      .readdirSync(projects)
      .map((p) => path.join(projects, p, 'journal.jsonl'))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('');
  };
  const journal = async (args: string[] = []) => {
    const r = await runCli(['journal', '--json', ...args], { cwd: dir, env: env() });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Line[];
  };

  it('an empty shutdown is "nothing to verify", never ✅; every action is in `offload journal`', async () => {
    expect((await runCli(['run', 'full'], { cwd: dir, env: env() })).code).toBe(0);
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      await waitFor(() => !alive(ollama.pid), 30_000, 'the model server to be stopped');
      await waitFor(() => journalFile().includes('"action":"verify"'), 15_000, 'the verify entry').catch(
        (e: Error) => {
          throw new Error(`${e.message}; output:\n${out}\njournal:\n${journalFile()}`);
        },
      );
    } finally {
      child.kill('SIGINT');
    }
    expect((await collect(child)).code).toBe(130);
    expect(out).not.toMatch(/Verification against AWS failed/);

    const lines = await journal();
    const gate = lines.find((l) => l.kind === 'aws-gate' && l.data.to === 'ready')!;
    expect(gate.text).toMatch(/^AWS gate \w+ → ready: .* — observed: api passed \(HTTP 200 in \d+ ms\)$/);
    const stop = lines.find((l) => l.kind === 'rule-action' && l.data.action === 'stop-local-models')!;
    expect(stop.text).toMatch(
      new RegExp(
        `^rule stopped model servers \\(gate-opened\\): Ollama \\(pid ${ollama.pid}\\) stopped via .+, freed \\d`,
      ),
    );
    const sw = lines.find((l) => l.kind === 'rule-action' && l.data.action === 'config-switch')!;
    expect(sw.text).toBe(`rule: config switched to AWS (gate-opened): ${path.join(dir, '.env')} (MODEL_URL)`);
    const verify = lines.filter((l) => l.kind === 'rule-action' && l.data.action === 'verify');
    expect(verify).toHaveLength(1);
    expect(verify[0]!.data.result).toEqual({
      status: 'skipped',
      summary:
        'nothing to verify: no steps: offload.yml defines no steps for shutdown — nothing to run or verify',
    });
    expect(verify[0]!.text).toMatch(/^rule: verification skipped: nothing to verify/);
    // The text view says the same, one line each, oldest first.
    const text = await runCli(['journal'], { cwd: dir, env: env() });
    expect(text.stdout).toMatch(
      /rule stopped model servers[^\n]*\n[^\n]*rule: config switched to AWS[^\n]*\n[^\n]*verification skipped/,
    );

    // No ✅ run with no phases: the rule ran none, and the user's own run is blocked with status's reason.
    const runs = JSON.parse((await runCli(['history', '--json'], { cwd: dir, env: env() })).stdout) as {
      workflow: string;
    }[];
    expect(runs.filter((r) => r.workflow === 'shutdown')).toEqual([]);
    const run = await runCli(['run', 'shutdown'], { cwd: dir, env: env() });
    expect(run.code).not.toBe(0);
    const last = JSON.parse((await runCli(['history', '--json'], { cwd: dir, env: env() })).stdout)[0];
    expect(last).toMatchObject({ workflow: 'shutdown', status: 'blocked' });
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env: env() })).stdout);
    const shutdown = status.workflows.find((w: { name: string }) => w.name === 'shutdown');
    expect(shutdown).toMatchObject({ allowed: false });
    expect(last.reason).toBe(shutdown.reason);
  }, 120_000);

  it("the user's own `models stop` is journalled with its reason; a dry run is not; --since filters", async () => {
    const again = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: '' } });
    const before = (await journal()).length;
    const dry = await runCli(['models', 'stop', '--all', '--dry-run'], { cwd: dir, env: env() });
    expect(dry.code).toBe(0);
    expect(await journal()).toHaveLength(before);
    const t0 = Date.now();
    const stop = await runCli(['models', 'stop', String(again.pid)], { cwd: dir, env: env() });
    expect(stop.code).toBe(0);
    const lines = await journal();
    expect(lines).toHaveLength(before + 1);
    expect(lines.at(-1)).toMatchObject({ kind: 'stop-local-models', data: { trigger: 'user' } });
    expect(lines.at(-1)!.text).toMatch(
      new RegExp(
        `^you stopped model servers \\(asked by the user: stop pid ${again.pid}\\): Ollama \\(pid ${again.pid}\\) stopped`,
      ),
    );
    // Only what was written since just before the stop, then a bad duration is a usage error.
    const windowS = Math.ceil((Date.now() - t0) / 1000) + 1;
    const asked = Date.now();
    const recent = await journal(['--since', `${windowS}s`]);
    expect(recent.at(-1)!.kind).toBe('stop-local-models');
    expect(recent.length).toBeLessThan(lines.length);
    for (const l of recent) expect(Date.parse(l.at)).toBeGreaterThanOrEqual(asked - windowS * 1000);
    const bad = await runCli(['journal', '--since', 'soon'], { cwd: dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: /);
  }, 60_000);
});
