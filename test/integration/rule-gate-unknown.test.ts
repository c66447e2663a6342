/**
 * The gate and the rule when AWS is healthy but hard to see, end to end: the real AWS watch polls the local
 * AWS endpoint (real SDK clients, scripted faults) and the real rule wiring acts on it with the real config
 * switch. Starting against a healthy AWS says nothing alarming while passes are counted ("checking"); a
 * throttled DescribeAlarms is unknown — never "no longer ready", never back to local, no second shutdown on
 * recovery, told once; a hung poll turns the gate unknown within about two intervals, here and in what
 * another process reads from the live gate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../main/core/aws/clients';
import { createAwsWatch, type AwsWatch } from '../../main/core/aws/watch';
import { readLiveGate } from '../../main/core/aws/live-gate';
import { Notifier } from '../../main/core/notify/notifier';
import { createRuleWiring } from '../../main/core/rule/wire';
import type { Notice } from '../../main/core/state';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(o: { interval?: string; devToolsAt?: 'aws' | 'local' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-unseen-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake: FakeAws = await startFakeAws();
  cleanups.push(() => fake.close());
  fake.state.setAlarm('api-5xx', 'OK');
  fake.state.health.set('/health', { status: 200, body: 'ok' });
  const clients: AwsClients = testClients(fake.url, { maxAttempts: 1, timeout: '5s' });
  cleanups.push(() => clients.destroy());
  const AWS_ENV = `MODEL_URL=${fake.url}/v1\n`;
  // By default the dev tools point at AWS already (an earlier session switched them); `local`: the gate's
  // opening has something to do (switch them), so it runs shutdown.
  fs.writeFileSync(
    path.join(dir, '.env'),
    o.devToolsAt === 'local' ? 'MODEL_URL=http://127.0.0.1:11434\n' : AWS_ENV,
  );
  const config = testConfig(dir, {
    gate: {
      endpoints: [{ name: 'api', url: `${fake.url}/health`, body: 'ok', timeout: '5s' }],
      alarms: { names: ['api-5xx'] },
      'consecutive-passes': 3,
      policy: 'auto',
      'back-to-local-after': '1m',
      ...(o.interval ? { interval: o.interval } : {}),
    },
    switch: {
      files: [
        { path: '.env', keys: { MODEL_URL: { aws: `${fake.url}/v1`, local: 'http://127.0.0.1:11434' } } },
      ],
    },
  });
  const notices: Notice[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  let clock = Date.now();
  let shutdowns = 0;
  const dataDir = path.join(dir, 'data');
  const rule = createRuleWiring({
    config,
    models: { models: () => [], refreshModels: async () => [], stopModelServers: async () => [] },
    notifier,
    dataDir,
    env: {},
    now: () => clock,
    runShutdown: async () => {
      shutdowns++;
      return { status: 'passed' };
    },
    log: () => undefined,
  });
  const watch: AwsWatch = createAwsWatch({
    effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
    config,
    clients,
    notifier,
    configTarget: () => rule.switcher.current(),
    dataDir,
    env: {},
    log: () => undefined,
  });
  rule.attach(watch);
  cleanups.push(() => (watch.stop(), rule.dispose()));
  return {
    fake,
    watch,
    notices,
    config,
    dataDir,
    envText: () => fs.readFileSync(path.join(dir, '.env'), 'utf8'),
    AWS_ENV,
    shutdowns: () => shutdowns,
    advance: (ms: number) => (clock += ms),
  };
}

describe('the gate while AWS cannot be seen', () => {
  it('starting against a healthy AWS: checking while passes are counted, nothing alarming said', async () => {
    const t = await setup();
    await t.watch.pollOnce();
    expect(t.watch.snapshot()).toMatchObject({ gate: 'checking', reason: 'api: 1/3 consecutive passes' });
    await t.watch.pollOnce();
    expect(t.watch.snapshot().gate).toBe('checking');
    expect(t.notices).toEqual([]);
    await t.watch.pollOnce();
    expect(t.watch.snapshot().gate).toBe('ready');
    expect(t.notices.filter((n) => n.level !== 'info')).toEqual([]);
    expect(t.shutdowns()).toBe(0); // nothing to stop or switch: no no-op shutdown run
  });

  it('a throttled DescribeAlarms is unknown: no close, no back to local, no second shutdown, told once', async () => {
    const t = await setup({ devToolsAt: 'local' });
    for (let i = 0; i < 3; i++) await t.watch.pollOnce();
    expect(t.watch.snapshot().gate).toBe('ready');
    expect(t.shutdowns()).toBe(1);
    // Throttled for 5 polls over 10 minutes (back-to-local-after is 1 minute).
    t.fake.state.faults.push({ op: 'DescribeAlarms', kind: 'throttle', times: 5 });
    for (let i = 0; i < 5; i++) {
      t.advance(2 * 60_000);
      await t.watch.pollOnce();
      expect(t.watch.snapshot().gate).toBe('unknown');
    }
    // Seen again: ready, and nothing was run twice.
    t.advance(60_000);
    await t.watch.pollOnce();
    await t.watch.pollOnce();
    expect(t.watch.snapshot().gate).toBe('ready');
    expect(t.shutdowns()).toBe(1);
    expect(t.envText()).toBe(t.AWS_ENV);
    const titles = t.notices.map((n) => n.title);
    expect(titles.filter((x) => /no longer ready|not ready for|Back to local/.test(x))).toEqual([]);
    const told = t.notices.filter((n) => n.title === 'Offload cannot see AWS');
    expect(told).toHaveLength(1);
    expect(told[0]!.body).toMatch(/throttl/i);
    expect(told[0]!.level).toBe('warning');
  });

  it('a hung poll turns the gate unknown within two intervals, here and in the live gate', async () => {
    // Intervals long enough that a loaded 2-core machine's scheduling delays stay well inside the margin.
    const t = await setup({ interval: '500ms' });
    const changes: string[] = [];
    t.watch.subscribe(() => changes.push(t.watch.snapshot().gate));
    t.watch.start();
    const deadline = Date.now() + 5000;
    while (t.watch.snapshot().gate !== 'ready' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(t.watch.snapshot().gate).toBe('ready');
    // The next poll hangs: the endpoint answers only after several intervals.
    t.fake.state.health.set('/health', { status: 200, body: 'ok', delayMs: 4000 });
    const hungAt = Date.now();
    while (t.watch.snapshot().gate === 'ready' && Date.now() - hungAt < 3500)
      await new Promise((r) => setTimeout(r, 20));
    const snap = t.watch.snapshot();
    expect(snap.gate).toBe('unknown');
    expect(snap.reason).toMatch(/^last seen \d+ s ago \(the watch's poll has not come back\); was ready/);
    // Stale 2.5 intervals after the last round; the round in flight began one interval after it.
    expect(Date.now() - hungAt).toBeLessThan(2.5 * 500 + 500 + 400);
    // Subscribers (the tray) were told without a poll coming back.
    await new Promise((r) => setTimeout(r, 50));
    expect(changes.at(-1)).toBe('unknown');
    // Another process (`offload aws status`) reads the live gate: unknown as well.
    expect(readLiveGate(t.config, t.dataDir, {})?.gate).toBe('unknown');
  });
});
