/**
 * "Verified" means the model server answers: `offload switch local` starts the project's local model server
 * (`switch.local-models.start`, a real HTTP server process under the name `ollama` or `llama-server`) and
 * succeeds only when it answers its API on the port it listens on — Ollama's `/api/version`, the
 * OpenAI-compatible `/v1/models` — saying which check passed; a server that is listed but never answers fails
 * within `local-models.timeout`, saying what was tried.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { escapeRegex, fixtureSandbox } from './machine-helpers';

describe.runIf(process.platform === 'linux')('offload switch local verifies the model server answers', () => {
  const box = fixtureSandbox('offload-local-verify-');
  const data = tempDataDir();
  afterAll(async () => {
    await box.cleanup();
  });

  const project = (name: string, start: string) =>
    makeProject(
      `name: ${name}
models:
  exclude: [{ cmdline: '^(?!.*${escapeRegex(box.dir)})' }]
switch:
  files:
    - path: .env
      keys: { MODEL_URL: { aws: "https://example.invalid/v1", local: "http://127.0.0.1:11434" } }
  local-models: { start: "${start}", timeout: 4s }
`,
      { '.env': 'MODEL_URL=https://example.invalid/v1\n' },
    );
  const env = (extra: Record<string, string> = {}) => ({
    OFFLOAD_HOME: data,
    HOME: data,
    FIXTURE_MODELS: '',
    ...extra,
  });
  const bin = (name: string) => path.join(box.dir, 'bin', name);

  it('Ollama: verified by GET /api/version on its port', async () => {
    const dir = project('verify-ollama', `exec ${bin('ollama')} serve`);
    const r = await runCli(['switch', 'local'], { cwd: dir, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /✅ Ollama is up \(pid \d+\) since the start command ran, verified: GET http:\/\/127\.0\.0\.1:\d+\/api\/version answered\n/,
    );
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('MODEL_URL=http://127.0.0.1:11434\n');
  }, 60_000);

  it('llama.cpp: verified by the OpenAI-compatible GET /v1/models', async () => {
    const dir = project('verify-llama', `exec ${bin('llama-server')} --port 0 -m model.gguf`);
    const r = await runCli(['switch', 'local'], { cwd: dir, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verified: GET http:\/\/127\.0\.0\.1:\d+\/v1\/models answered\n/);
  }, 60_000);

  it('listed but not answering: exit 1 within the timeout, naming what was tried', async () => {
    const dir = project('verify-silent', `exec ${bin('ollama')} serve`);
    const t0 = Date.now();
    const r = await runCli(['switch', 'local'], { cwd: dir, env: env({ FIXTURE_NO_LISTEN: '1' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Ollama \(pid \d+\) started but did not answer on any port: it listens on none \(\/api\/version or \/api\/tags\) within 4s/,
    );
    expect(r.stdout).not.toMatch(/verified/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});
