/**
 * Will it fit through the real CLI (issue 21): `offload models fit --json` over an Ollama fixture store
 * (manifests and header-only blobs) with the fixture nvidia-smi's GPU, and `offload switch local` refusing
 * models that do not fit (naming the numbers; `--force` overrides and says so) and starting one that does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FitReport } from '../../main/core/state';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { ollamaStore, SHAPES, transformerSpec } from '../fixtures/gguf/write-gguf';
import { escapeRegex, FIXTURES, fixtureSandbox } from './machine-helpers';

const huge = () => {
  // 4 trillion parameters at F16 (8 TB) from the header's counts alone: spills on any machine.
  const spec = transformerSpec({ ...SHAPES['llama3.1-70b-q4km'], fileType: 1 });
  spec.tensors = [];
  spec.metadata.push(['general.parameter_count', { t: 'u64', v: 4_000_000_000_000n }]);
  return spec;
};

describe.runIf(process.platform === 'linux')('offload models fit and the switch’s fit check', () => {
  const box = fixtureSandbox('offload-fit-');
  const data = tempDataDir();
  const store = path.join(box.dir, 'ollama-models');
  ollamaStore(store, { 'phi3:mini': transformerSpec(SHAPES['phi3-mini-q6k']), 'huge:latest': huge() });
  afterAll(async () => {
    await box.cleanup();
    fs.rmSync(data, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string> = {}) => ({
    OFFLOAD_HOME: data,
    HOME: data,
    OLLAMA_MODELS: store,
    FIXTURE_MODELS: '',
    // One 24 GiB GPU with 10 GiB used: 14 GiB VRAM free.
    PATH: `${path.join(FIXTURES, 'nvidia-smi')}:${process.env.PATH}`,
    FIXTURE_GPUS: '[{"name":"NVIDIA GeForce RTX 4090","util":5,"used":10240,"total":24576,"temp":40}]',
    ...extra,
  });

  it('models fit --json: need, free and verdict per model; exit 1 when one would spill', async () => {
    const r = await runCli(['models', 'fit', '--json', '--ctx', '8192'], { cwd: box.dir, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as FitReport;
    expect(rep.free.gpus).toEqual([{ index: 0, name: 'NVIDIA GeForce RTX 4090', freeBytes: 14 * 1024 ** 3 }]);
    expect(rep.free.ramAvailableBytes).toBeGreaterThan(0);
    const byName = Object.fromEntries(rep.rows.map((x) => [x.name, x]));
    expect(Object.keys(byName).sort()).toEqual(['huge:latest', 'phi3:mini']);
    const phi = byName['phi3:mini']!;
    expect(phi.store).toBe('ollama');
    expect(phi.estimate!.ctx).toBe(8192);
    // 32 layers · 8192 · 32 kv heads · (96 + 96) · 2 bytes = 3 GiB.
    expect(phi.estimate!.kvBytes).toBe(3 * 1024 ** 3);
    expect(phi.verdict).toBe('fits in VRAM');
    expect(byName['huge:latest']!.verdict).toBe('would spill to swap');
    expect(byName['huge:latest']!.estimate!.weightsFrom).toBe('parameters × bpw');
  }, 60_000);

  it('models fit MODEL: the table; unknown names said; a bad --ctx is a usage error', async () => {
    const r = await runCli(['models', 'fit', 'phi3:mini', 'nosuch'], { cwd: box.dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^MODEL\s+QUANT\s+CTX\s+NEED\s+WEIGHTS\s+KV\s+GRAPH\s+FREE\s+VERDICT\n/);
    expect(r.stdout).toMatch(
      /phi3:mini\s+Q6_K\s+4096\s+≈ [\d.]+ GiB .*14 GiB VRAM \+ .* RAM\s+fits in VRAM\n/,
    );
    expect(r.stdout).toMatch(/not found: nosuch/);
    const ok = await runCli(['models', 'fit', 'phi3:mini'], { cwd: box.dir, env: env() });
    expect(ok.code).toBe(0);
    const bad = await runCli(['models', 'fit', '--ctx', 'lots'], { cwd: box.dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ctx must be a whole number of tokens, got lots/);
  }, 60_000);

  const project = (name: string, model: string) =>
    makeProject(
      `name: ${name}
models:
  exclude: [{ cmdline: '^(?!.*${escapeRegex(box.dir)})' }]
  fit: { models: ["${model}"], ctx: 8192 }
switch:
  files:
    - path: .env
      keys: { MODEL_URL: { aws: "https://example.invalid/v1", local: "http://127.0.0.1:11434" } }
  local-models: { start: "exec ${path.join(box.dir, 'bin', 'ollama')} serve", timeout: 4s }
`,
      { '.env': 'MODEL_URL=https://example.invalid/v1\n' },
    );

  it('switch local refuses a model that does not fit, naming the numbers; --force overrides and says so', async () => {
    const dir = project('fit-refuse', 'huge');
    const r = await runCli(['switch', 'local'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /not switched: huge:latest needs ≈ [\d.]+ TiB at 8k context; free: 14 GiB VRAM \+ [\d.]+ [GMT]iB RAM → would spill to swap\. Switch anyway with --force\./,
    );
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('MODEL_URL=https://example.invalid/v1\n');
    const forced = await runCli(['switch', 'local', '--force'], { cwd: dir, env: env() });
    expect(forced.stderr).toMatch(/switched with --force: huge:latest needs ≈ .* → would spill to swap/);
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe('MODEL_URL=http://127.0.0.1:11434\n');
  }, 60_000);

  it('models fit with no names, in a project: the models of models.fit.models, not every stored one', async () => {
    const dir = project('fit-configured', 'phi3:mini');
    const r = await runCli(['models', 'fit', '--json'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as FitReport;
    expect(rep.rows.map((x) => x.name)).toEqual(['phi3:mini']);
    expect(rep.rows[0]!.estimate!.ctx).toBe(8192);
  }, 60_000);

  it('switch local starts a model that fits', async () => {
    const dir = project('fit-allow', 'phi3:mini');
    const r = await runCli(['switch', 'local'], { cwd: dir, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✅ Ollama is up \(pid \d+\) since the start command ran, verified/);
  }, 60_000);
});
