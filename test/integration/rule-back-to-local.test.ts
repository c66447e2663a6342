/**
 * Back to local: when AWS stays not ready for gate.back-to-local-after after having been ready, the rule offers
 * the way back (ask, notify) or takes it (auto: the config switched back for real), once per episode — on a
 * clock the test moves, with real files and the real config switch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatePoll } from '../../main/core/rule/aws-ready';
import { createRuleWiring } from '../../main/core/rule/wire';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';
import { testConfig } from '../fixtures/aws-endpoint/helpers';

const LOCAL = 'MODEL_URL=http://127.0.0.1:11434\n';
const AWS = 'MODEL_URL=https://api.example/v1\n';

function setup(policy: 'auto' | 'notify', after = '10m') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-back-'));
  fs.writeFileSync(path.join(dir, '.env'), AWS);
  const config = testConfig(dir, {
    gate: {
      endpoints: [{ name: 'api', url: 'https://api.example/health' }],
      policy,
      'back-to-local-after': after,
    },
    switch: {
      files: [
        {
          path: '.env',
          keys: { MODEL_URL: { aws: 'https://api.example/v1', local: 'http://127.0.0.1:11434' } },
        },
      ],
    },
  });
  const notices: Notice[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  const journal: { kind: string; data: Record<string, unknown> }[] = [];
  let clock = 1_000_000_000;
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
  });
  let listener: ((p: GatePoll) => Promise<void> | void) | undefined;
  rule.attach({ onGatePoll: (l) => ((listener = l), () => undefined) });
  const evidence = { services: [], endpoints: [], alarms: [] };
  const poll = async (from: GatePoll['from'], to: GatePoll['to'], minutes: number) => {
    clock = 1_000_000_000 + Math.round(minutes * 60_000);
    await listener!({ from, to, reason: to === 'ready' ? '' : 'api: HTTP 503', evidence });
  };
  return { dir, notices, journal, poll, env: () => fs.readFileSync(path.join(dir, '.env'), 'utf8') };
}

describe('back to local after AWS stays not ready', () => {
  it('notify: offered once after the configured time, not before; again after another episode', async () => {
    const t = setup('notify');
    await t.poll('unknown', 'ready', 0);
    await t.poll('ready', 'not-ready', 1);
    await t.poll('not-ready', 'not-ready', 9);
    expect(t.notices.filter((n) => n.title.startsWith('AWS not ready for'))).toEqual([]);
    await t.poll('not-ready', 'not-ready', 11);
    await t.poll('not-ready', 'not-ready', 12);
    const offers = t.notices.filter((n) => n.title.startsWith('AWS not ready for'));
    expect(offers).toHaveLength(1);
    expect(offers[0]!.title).toBe('AWS not ready for 10m');
    expect(offers[0]!.body).toMatch(/api: HTTP 503 — Back to local: `offload switch local`/);
    expect(t.env()).toBe(AWS); // told, not done
    await t.poll('not-ready', 'ready', 13);
    // AWS unseen for 11 minutes is no reason to go back: the clock does not run on unknown.
    await t.poll('ready', 'unknown', 14);
    await t.poll('unknown', 'unknown', 25);
    expect(t.notices.filter((n) => n.title.startsWith('AWS not ready for'))).toHaveLength(1);
    await t.poll('unknown', 'not-ready', 26);
    await t.poll('not-ready', 'not-ready', 36);
    expect(t.notices.filter((n) => n.title.startsWith('AWS not ready for'))).toHaveLength(2);
  });

  it('a short back-to-local-after is said in seconds, never "0 min"', async () => {
    const t = setup('notify', '20s');
    await t.poll('unknown', 'ready', 0);
    await t.poll('ready', 'not-ready', 1);
    await t.poll('not-ready', 'not-ready', 1 + 20 / 60);
    expect(t.notices.filter((n) => n.title.startsWith('AWS not ready for')).map((n) => n.title)).toEqual([
      'AWS not ready for 20s',
    ]);
    expect(t.journal.find((j) => j.data.action === 'offer-back-to-local')?.data).toMatchObject({
      forMs: 20_000,
    });
  });

  it('auto: the config goes back to local for real, journalled as back-to-local', async () => {
    const t = setup('auto');
    await t.poll('unknown', 'ready', 0);
    await t.poll('ready', 'not-ready', 1);
    await t.poll('not-ready', 'not-ready', 12);
    expect(t.env()).toBe(LOCAL);
    expect(t.notices.some((n) => n.title === 'Back to local')).toBe(true);
    expect(t.journal.find((j) => j.kind === 'config-switch')?.data).toMatchObject({
      trigger: 'back-to-local',
      target: 'local',
    });
  });
});

describe('AWS ready under policy ask', () => {
  it('names a command for each thing the rule asks for, and the one that does both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ask-'));
    fs.writeFileSync(path.join(dir, '.env'), LOCAL);
    const base = testConfig(dir, {
      gate: { endpoints: [{ name: 'api', url: 'https://api.example/health' }], policy: 'ask' },
      switch: {
        files: [
          {
            path: '.env',
            keys: { MODEL_URL: { aws: 'https://api.example/v1', local: 'http://127.0.0.1:11434' } },
          },
        ],
      },
    });
    // A shutdown workflow with a step: the notice may recommend running it.
    const config = {
      ...base,
      workflows: { shutdown: ['shutdown' as const] },
      phases: {
        ...base.phases,
        shutdown: { title: 'Shutdown', steps: [{ id: 'stop', name: 'Stop', kind: 'run', extra: {} }] },
      } as typeof base.phases,
    };
    const ollama = {
      pid: 4242,
      ppid: 1,
      server: 'ollama',
      title: 'Ollama',
      exe: '',
      cmdline: '',
      cpuPct: 0,
      rssBytes: 1,
      ports: [],
      children: [],
      user: 'u',
    };
    const notices: Notice[] = [];
    const notifier = new Notifier({ dedupeMs: 0 });
    notifier.subscribe((n) => notices.push(n));
    const rule = createRuleWiring({
      config,
      models: {
        models: () => [ollama],
        refreshModels: async () => [ollama],
        stopModelServers: async () => [],
      },
      notifier,
      dataDir: path.join(dir, 'data'),
      env: {},
    });
    let listener: ((p: GatePoll) => Promise<void> | void) | undefined;
    rule.attach({ onGatePoll: (l) => ((listener = l), () => undefined) });
    await listener!({
      from: 'unknown',
      to: 'ready',
      reason: '',
      evidence: { services: [], endpoints: [], alarms: [] },
    });
    const ready = notices.find((n) => n.title === 'AWS is ready')!;
    expect(ready.body).toBe(
      'The rule says: stop the local model server (Ollama: `offload models stop --all`) and switch the config to AWS (`offload switch aws`). `offload run shutdown` does both and verifies the dev tools against AWS.',
    );
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(LOCAL); // asked, not done

    // The same project whose shutdown has no steps: `offload run shutdown` would verify nothing, so it is not advised.
    const empty = createRuleWiring({
      config: base,
      models: {
        models: () => [ollama],
        refreshModels: async () => [ollama],
        stopModelServers: async () => [],
      },
      notifier,
      dataDir: path.join(dir, 'data2'),
      env: {},
    });
    let l2: ((p: GatePoll) => Promise<void> | void) | undefined;
    empty.attach({ onGatePoll: (l) => ((l2 = l), () => undefined) });
    await l2!({
      from: 'unknown',
      to: 'ready',
      reason: '',
      evidence: { services: [], endpoints: [], alarms: [] },
    });
    expect(notices.filter((n) => n.title === 'AWS is ready').at(-1)!.body).toBe(
      'The rule says: stop the local model server (Ollama: `offload models stop --all`) and switch the config to AWS (`offload switch aws`).',
    );
  });
});
