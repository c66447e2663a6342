/**
 * Will it fit before back-to-local (issue 21): under `auto`, the rule refuses to switch back and start local
 * models that do not fit the memory free now (the notice names the numbers and the way to force it), and
 * switches back when they fit. Real GGUF headers in an Ollama fixture store; free memory given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFit } from '../../main/core/machine/fit';
import type { GatePoll } from '../../main/core/rule/aws-ready';
import { createRuleWiring } from '../../main/core/rule/wire';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';
import { testConfig } from '../fixtures/aws-endpoint/helpers';
import { ollamaStore, SHAPES, transformerSpec } from '../fixtures/gguf/write-gguf';

const LOCAL = 'MODEL_URL=http://127.0.0.1:11434\n';
const AWS = 'MODEL_URL=https://api.example/v1\n';
const GiB = 1024 ** 3;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-back-fit-'));
const store = path.join(root, 'ollama');
ollamaStore(store, {
  'llama3.1:8b': transformerSpec(SHAPES['llama3.1-8b-q4km']),
  'llama3.1:70b': transformerSpec(SHAPES['llama3.1-70b-q4km']),
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function setup(model: string) {
  const dir = fs.mkdtempSync(path.join(root, 'p-'));
  fs.writeFileSync(path.join(dir, '.env'), AWS);
  const config = testConfig(dir, {
    gate: {
      endpoints: [{ name: 'api', url: 'https://api.example/health' }],
      policy: 'auto',
      'back-to-local-after': '10m',
    },
    switch: {
      files: [
        {
          path: '.env',
          keys: { MODEL_URL: { aws: 'https://api.example/v1', local: 'http://127.0.0.1:11434' } },
        },
      ],
      'local-models': { start: 'true' },
    },
  });
  const notices: Notice[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  const journal: { kind: string; data: Record<string, unknown> }[] = [];
  let clock = 1_000_000_000;
  const free = { ramAvailableBytes: 16 * GiB, gpus: [{ index: 0, name: 'gpu', freeBytes: 8 * GiB }] };
  const rule = createRuleWiring({
    config,
    models: { models: () => [], refreshModels: async () => [], stopModelServers: async () => [] },
    notifier,
    journal: {
      appendProjectEvent: (kind, data) => journal.push({ kind, data: data as Record<string, unknown> }),
    },
    dataDir: path.join(dir, 'data'),
    env: {},
    now: () => clock,
    localStartTimeoutMs: 300,
    fitCheck: async () =>
      (await checkFit({ names: [model], ctx: 8192, env: { OLLAMA_MODELS: store, HOME: root }, free })).total,
  });
  let listener: ((p: GatePoll) => Promise<void> | void) | undefined;
  rule.attach({ onGatePoll: (l) => ((listener = l), () => undefined) });
  const poll = async (from: GatePoll['from'], to: GatePoll['to'], minutes: number) => {
    clock = 1_000_000_000 + Math.round(minutes * 60_000);
    await listener!({
      from,
      to,
      reason: to === 'ready' ? '' : 'api: HTTP 503',
      evidence: { services: [], endpoints: [], alarms: [] },
    });
  };
  return { notices, journal, poll, env: () => fs.readFileSync(path.join(dir, '.env'), 'utf8') };
}

describe('auto back-to-local checks the fit first', () => {
  it('refuses and notifies when the models do not fit, naming the numbers', async () => {
    const t = setup('llama3.1:70b');
    await t.poll('unknown', 'ready', 0);
    await t.poll('ready', 'not-ready', 1);
    await t.poll('not-ready', 'not-ready', 12);
    expect(t.env()).toBe(AWS);
    const n = t.notices.find((x) => x.title === 'Back to local refused: the local models do not fit');
    expect(n?.level).toBe('error');
    expect(n?.body).toBe(
      'llama3.1:70b needs ≈ 41 GiB at 8k context; free: 8.0 GiB VRAM + 16 GiB RAM → would spill to swap. Free memory, or run `offload switch local --force`.',
    );
    expect(t.journal.find((j) => j.kind === 'config-switch')?.data).toMatchObject({
      trigger: 'back-to-local',
      target: 'local',
      refused: expect.stringMatching(/would spill to swap$/),
    });
  });

  it('switches back when they fit', async () => {
    const t = setup('llama3.1:8b');
    await t.poll('unknown', 'ready', 0);
    await t.poll('ready', 'not-ready', 1);
    await t.poll('not-ready', 'not-ready', 12);
    expect(t.env()).toBe(LOCAL);
    expect(t.notices.some((x) => x.title.startsWith('Back to local refused'))).toBe(false);
  });
});
