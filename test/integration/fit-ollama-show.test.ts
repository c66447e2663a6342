/**
 * Will it fit from Ollama's `/api/show` (issue 21): where a model's blob cannot be read (its store is elsewhere)
 * or no store holds it, the running local Ollama (the real fixture server process) answers with the model's
 * metadata and the row says so; a readable blob is never asked about; a server that does not answer costs at
 * most 1 s; an OLLAMA_HOST off this machine is never asked. The window's view (FitCache) checks once per
 * change of config or running servers, not once per state update.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFit,
  FitCache,
  headerFromShow,
  localOllama,
  localOllamaBase,
} from '../../main/core/machine/fit';
import { formatFit } from '../../main/cli/commands/models';
import { manifestModelBlob } from '../../main/core/machine/fit/stores';
import { testConfig } from '../fixtures/aws-endpoint/helpers';
import { ollamaStore, SHAPES, transformerSpec } from '../fixtures/gguf/write-gguf';
import { fixtureSandbox } from './machine-helpers';

const GiB = 1024 ** 3;
const free = { ramAvailableBytes: 16 * GiB, gpus: [{ index: 0, name: 'gpu', freeBytes: 8 * GiB }] };

describe.runIf(process.platform !== 'win32')('Will it fit from Ollama /api/show', () => {
  const box = fixtureSandbox('offload-fit-show-');
  const store = path.join(box.dir, 'models');
  const log = path.join(box.dir, 'calls.jsonl');
  let port = 0;
  const env = () => ({ OLLAMA_MODELS: store, HOME: box.dir, OLLAMA_HOST: `127.0.0.1:${port}` });
  const showCalls = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { call?: string; body?: { model?: string } })
          .filter((c) => c.call === 'POST /api/show')
          .map((c) => c.body?.model)
      : [];

  beforeAll(async () => {
    ollamaStore(store, {
      'phi3:mini': transformerSpec(SHAPES['phi3-mini-q6k']),
      'llama3.1:8b': transformerSpec(SHAPES['llama3.1-8b-q4km']),
    });
    // llama3.1:8b's blob lives elsewhere (a store on another disk): the manifest names a blob not here.
    const manifest = path.join(store, 'manifests', 'registry.ollama.ai', 'library', 'llama3.1', '8b');
    const blob = manifestModelBlob(fs.readFileSync(manifest, 'utf8'), path.join(store, 'blobs'))!;
    fs.rmSync(blob);
    const s = await box.start('ollama', ['serve'], {
      env: { OLLAMA_HOST: '127.0.0.1:0', FIXTURE_MODELS: '', FIXTURE_LOG: log },
    });
    port = Number(s.info.port);
  });
  afterAll(() => box.cleanup());

  it('an unreadable blob and a name no store holds come from /api/show; a readable blob is never asked', async () => {
    const r = await checkFit({
      names: ['phi3:mini', 'llama3.1:8b', 'llama3.1:70b', 'nope:1b'],
      ctx: 8192,
      env: env(),
      free,
      ollama: localOllama(env()),
    });
    const by = Object.fromEntries(r.rows.map((x) => [x.name, x]));
    expect(by['phi3:mini']!.source).toBe('GGUF header');
    const small = by['llama3.1:8b']!;
    expect(small.error).toBeUndefined();
    expect(small.source).toBe('Ollama /api/show');
    // Llama 3.1 8B Q4_K_M: 8 030 261 248 parameters × 4.89 bits; KV 32 layers · 8192 · 8 heads · (128+128) · 2 B = 1 GiB.
    expect(small.estimate).toMatchObject({
      architecture: 'llama',
      quantization: 'Q4_K_M',
      layers: 32,
      ctx: 8192,
      weightsFrom: 'parameters × bpw',
      weightsBytes: Math.ceil((8_030_261_248 * 4.89) / 8),
      kvBytes: GiB,
    });
    expect(small.verdict).toBe('fits in VRAM');
    const big = by['llama3.1:70b']!;
    expect(big.source).toBe('Ollama /api/show');
    expect(big.estimate!.layers).toBe(80);
    expect(big.verdict).toBe('would spill to swap');
    expect(r.missing).toEqual(['nope:1b']);
    expect(showCalls().sort()).toEqual(['llama3.1:70b', 'llama3.1:8b', 'nope:1b']);
    // `offload models fit` names the source under its table.
    expect(formatFit(r)).toContain('llama3.1:8b: from Ollama /api/show (no readable blob here)\n');
    expect(formatFit(r)).not.toContain('phi3:mini: from');
  });

  it('a server that takes the request and never answers costs at most 1 s, and the row says why', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const at = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const t0 = performance.now();
    const r = await checkFit({
      names: ['llama3.1:8b'],
      env: { ...env(), OLLAMA_HOST: at },
      free,
      ollama: localOllama({ OLLAMA_HOST: at }),
    });
    const ms = performance.now() - t0;
    silent.closeAllConnections();
    silent.close();
    expect(ms).toBeLessThan(1500);
    expect(r.rows[0]!.estimate).toBeUndefined();
    expect(r.rows[0]!.error).toMatch(new RegExp(`POST http://${at}/api/show: no answer in 1000 ms`));
  });

  it('OLLAMA_HOST names where Ollama is asked, and only on this machine', () => {
    expect(localOllamaBase({})).toBe('http://127.0.0.1:11434');
    expect(localOllamaBase({ OLLAMA_HOST: '0.0.0.0:11435' })).toBe('http://127.0.0.1:11435');
    expect(localOllamaBase({ OLLAMA_HOST: 'http://localhost:8080' })).toBe('http://localhost:8080');
    expect(localOllamaBase({ OLLAMA_HOST: ':11436' })).toBe('http://127.0.0.1:11436');
    expect(localOllamaBase({ OLLAMA_HOST: '10.0.0.5:11434' })).toBeUndefined();
    expect(localOllamaBase({ OLLAMA_HOST: 'ollama.example.com' })).toBeUndefined();
    expect(localOllama({ OLLAMA_HOST: '10.0.0.5:11434' })).toBeNull();
    expect(headerFromShow({ details: {} })).toBe('the answer has no model_info');
    const h = headerFromShow({
      model_info: { 'general.architecture': 'qwen2', 'qwen2.block_count': 28, 'tokenizer.ggml.tokens': [] },
      details: { quantization_level: 'Q8_0', parameter_size: '7.6B' },
    });
    expect(typeof h === 'object' && Object.fromEntries(h.metadata)).toEqual({
      'general.architecture': 'qwen2',
      'qwen2.block_count': 28,
      'general.file_type': 7,
      'general.parameter_count': 7_600_000_000,
    });
  });

  it('the window’s view checks once per change of config or running servers, or once a minute', async () => {
    const dir = fs.mkdtempSync(path.join(box.dir, 'p-'));
    const config = testConfig(dir, {
      switch: {
        files: [
          { path: '.env', keys: { MODEL_URL: { aws: 'https://x/v1', local: 'http://127.0.0.1:11434' } } },
        ],
        'local-models': { start: 'true' },
      },
      models: { fit: { models: ['llama3.1:70b'], ctx: 8192 } },
    });
    let now = 1_000_000;
    let changes = 0;
    const cache = new FitCache({ env: env(), changed: () => changes++, now: () => now });
    let pids = [1];
    const machine = {
      snapshot: () => null,
      models: () => pids.map((pid) => ({ pid }) as never),
    };
    // An untrusted project's names are looked up on disk only: the local Ollama is not asked.
    const untrusted = new FitCache({ env: env(), changed: () => {}, now: () => now });
    const asked = showCalls().length;
    untrusted.get(config, machine, false);
    await untrusted.settled();
    expect(showCalls().length).toBe(asked);
    expect(untrusted.get(config, machine, false)!.rows[0]).toMatchObject({ name: 'llama3.1:70b' });
    expect(untrusted.get(config, machine, false)!.rows[0]!.source).toBeUndefined();
    const before = showCalls().length;
    expect(cache.get(config, machine, true)).toBeNull();
    for (let i = 0; i < 1000; i++) cache.get(config, machine, true);
    await cache.settled();
    expect(showCalls().length - before).toBe(1);
    expect(changes).toBe(1);
    const v = cache.get(config, machine, true)!;
    expect(v.rows).toEqual([
      expect.objectContaining({
        name: 'llama3.1:70b',
        source: 'Ollama /api/show',
        ctx: 8192,
        quantization: 'Q4_K_M',
      }),
    ]);
    // 70B does not fit in what this machine has free... unless it has ~45 GB free; the refusal follows the verdict.
    expect(Boolean(v.refusal)).toBe(!v.total.fits);
    if (v.refusal)
      expect(v.refusal).toMatch(
        /^llama3\.1:70b needs ≈ [\d.]+ GiB at 8k context; free: .* → would spill to swap$/,
      );
    pids = [1, 2]; // a model server started: free memory changed
    cache.get(config, machine, true);
    await cache.settled();
    expect(showCalls().length - before).toBe(2);
    now += 59_000;
    cache.get(config, machine, true);
    await cache.settled();
    expect(showCalls().length - before).toBe(2);
    now += 1_000;
    cache.get(config, machine, true);
    await cache.settled();
    expect(showCalls().length - before).toBe(3);
    // Without configured models there is nothing to show and nothing is checked.
    expect(cache.get(testConfig(dir, {}), machine)).toBeNull();
    await cache.settled();
    expect(showCalls().length - before).toBe(3);
  });
});
