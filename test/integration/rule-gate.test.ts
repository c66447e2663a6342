/**
 * The AWS-ready gate and the rule, end to end: the real AWS watch polls the local AWS endpoint with the real
 * SDK clients and real health checks; the real machine watch finds real model-server look-alikes (only those
 * started from this test's sandbox). The gate opens only after N consecutive passes, never on errors,
 * timeouts or throttling; then (policy auto) the local models are stopped and the config switched; a model
 * server started again while AWS is ready is stopped again; a firing alarm closes the gate with a notice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsWatch, type AwsWatch } from '../../main/core/aws/watch';
import {
  createMachineWatch,
  parseModelsConfig,
  parseWatchConfig,
  type MachineWatch,
} from '../../main/core/machine';
import { Notifier } from '../../main/core/notify/notifier';
import { createRuleWiring, type RuleWiring } from '../../main/core/rule/wire';
import type { Notice } from '../../main/core/state';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';
import { alive, escapeRegex, fixtureSandbox, waitFor, type Started } from './machine-helpers';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

const linux = process.platform === 'linux';

describe.runIf(linux)('AWS-ready gate and the rule (policy auto)', () => {
  const box = fixtureSandbox('offload-rule-');
  let fake: FakeAws;
  let clients: AwsClients;
  let machine: MachineWatch;
  let watch: AwsWatch;
  let rule: RuleWiring;
  const notices: Notice[] = [];
  const journal: { kind: string; data: Record<string, unknown> }[] = [];
  let ollama: Started;
  const envFile = path.join(box.dir, '.env');
  const ENV_TEXT = '# dev\nOLLAMA_HOST=http://localhost:11434\nKEEP=1\n';

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    fake.state.setAlarm('api-5xx', 'OK');
    fake.state.health.set('/health', { status: 200, body: '{"status":"ok"}' });
    clients = testClients(fake.url, { maxAttempts: 2, timeout: '1s' });
    fs.writeFileSync(envFile, ENV_TEXT);
    const config = testConfig(box.dir, {
      gate: {
        services: [{ cluster: 'dev', service: 'api' }],
        endpoints: [{ name: 'api health', url: `${fake.url}/health`, body: 'ok', timeout: '2s' }],
        alarms: { names: ['api-5xx'] },
        'consecutive-passes': 3,
        policy: 'auto',
      },
      switch: {
        files: [
          { path: '.env', keys: { OLLAMA_HOST: { aws: `${fake.url}/v1`, local: 'http://localhost:11434' } } },
        ],
      },
    });
    machine = createMachineWatch({
      models: parseModelsConfig({
        exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
        grace: '1500ms',
      }),
      watch: parseWatchConfig({ gpu: false }),
    });
    const notifier = new Notifier();
    notifier.subscribe((n) => notices.push(n));
    const journalSink = {
      appendProjectEvent: (kind: string, data: unknown) =>
        journal.push({ kind, data: data as Record<string, unknown> }),
    };
    rule = createRuleWiring({
      config,
      models: machine,
      notifier,
      journal: journalSink,
      dataDir: path.join(box.dir, 'data'),
      log: () => undefined,
    });
    watch = createAwsWatch({
      effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
      config,
      clients,
      notifier,
      journal: journalSink,
      configTarget: () => rule.switcher.current(),
      dataDir: path.join(box.dir, 'data'),
      log: () => undefined,
    });
    rule.attach(watch);
    ollama = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: 'llama3.2:3b' } });
  }, 60_000);

  afterAll(async () => {
    watch?.stop();
    rule?.dispose();
    machine?.stop();
    clients?.destroy();
    await fake?.close();
    await box.cleanup();
  });

  const gate = () => watch.snapshot().gate;

  it('does not open before N consecutive passes; a failure, a timeout or throttling reset or block it', async () => {
    await watch.pollOnce();
    expect(gate()).toBe('checking');
    expect(watch.snapshot().endpoints[0]).toMatchObject({ consecutivePasses: 1, status: 'running' });
    await watch.pollOnce();
    expect(watch.snapshot().endpoints[0]!.consecutivePasses).toBe(2);

    fake.state.health.set('/health', { status: 503, body: 'starting' });
    await watch.pollOnce();
    expect(gate()).toBe('not-ready');
    expect(watch.snapshot().endpoints[0]).toMatchObject({ consecutivePasses: 0, status: 'failed' });
    expect(watch.snapshot().reason).toContain('HTTP 503');

    fake.state.health.set('/health', { status: 200, body: 'ok', delayMs: 3000 });
    await watch.pollOnce();
    expect(watch.snapshot().endpoints[0]!.lastResult).toMatch(/no answer within 2000 ms/);
    expect(gate()).toBe('not-ready');

    fake.state.health.set('/health', { status: 200, body: 'ok' });
    await watch.pollOnce();
    await watch.pollOnce();
    // Two passes, then throttling past the SDK's retries: unknown, never ready — and the count is kept honest.
    fake.state.faults.push({ op: 'DescribeServices', kind: 'throttle', times: 2 });
    await watch.pollOnce();
    expect(gate()).toBe('unknown');
    expect(watch.snapshot().reason).toMatch(/throttled/);
    expect(watch.snapshot().services[0]!.message).toMatch(/^unknown: /);

    // 5xx from CloudWatch: unknown too.
    fake.state.faults.push({ op: 'DescribeAlarms', kind: 'server', times: 2 });
    await watch.pollOnce();
    expect(gate()).toBe('unknown');

    // Nothing was stopped, nothing switched, while the gate was closed.
    expect(alive(ollama.pid)).toBe(true);
    expect(fs.readFileSync(envFile, 'utf8')).toBe(ENV_TEXT);
    expect(journal.filter((j) => j.kind === 'rule-action')).toEqual([]);
  });

  it('opens after N passes with everything healthy, then stops the local model server and switches the config', async () => {
    // The endpoint has now passed 5 times in a row (the unknown polls did not reset health); the gate waits for
    // services and alarms to be known again.
    await watch.pollOnce();
    expect(gate()).toBe('ready');
    await waitFor(() => !alive(ollama.pid), 10_000);
    expect(fs.readFileSync(envFile, 'utf8')).toBe(
      ENV_TEXT.replace('http://localhost:11434', `${fake.url}/v1`),
    );
    expect(watch.snapshot().configTarget).toBe('aws');
    const opened = journal.find((j) => j.kind === 'aws-gate' && j.data.to === 'ready')!;
    expect(opened.data.evidence).toMatchObject({
      services: [{ service: 'api', status: 'passed' }],
      endpoints: [{ name: 'api health', status: 'passed' }],
      alarms: [{ name: 'api-5xx', state: 'OK' }],
    });
    const stop = journal.find((j) => j.kind === 'rule-action' && j.data.action === 'stop-local-models')!;
    expect(stop.data.trigger).toBe('gate-opened');
    expect(stop.data.outcomes).toMatchObject([{ pid: ollama.pid, result: 'stopped' }]);
    expect(notices.some((n) => /^Freed [\d.]+ MiB RAM: Ollama stopped — AWS is serving$/.test(n.title))).toBe(
      true,
    );
  });

  it('a model server started again while AWS is ready is stopped again', async () => {
    const again = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: 'llama3.2:3b' } });
    expect(alive(again.pid)).toBe(true);
    await watch.pollOnce();
    await waitFor(() => !alive(again.pid), 10_000);
    // The poll only starts the model check (it never waits on the machine side): the stop is journalled
    // once its verify is done.
    const stopsNow = () =>
      journal.filter((j) => j.kind === 'rule-action' && j.data.action === 'stop-local-models');
    await waitFor(() => stopsNow().at(-1)!.data.trigger === 'restarted-while-aws-ready', 10_000);
    const stops = stopsNow();
    expect(stops.at(-1)!.data).toMatchObject({
      trigger: 'restarted-while-aws-ready',
      outcomes: [{ pid: again.pid, result: 'stopped' }],
    });
  });

  it('an alarm firing closes the gate, notifies once, and offers the switch back', async () => {
    fake.state.setAlarm('api-5xx', 'ALARM', 'Threshold Crossed: 9 5xx in 1 minute', '5XXError');
    await watch.pollOnce();
    await watch.pollOnce();
    expect(gate()).toBe('not-ready');
    const alarmNotices = notices.filter((n) => n.title === 'CloudWatch alarm: api-5xx');
    expect(alarmNotices).toHaveLength(1);
    expect(alarmNotices[0]!.body).toContain('Threshold Crossed: 9 5xx in 1 minute');
    const closed = notices.filter((n) => n.title === 'AWS is no longer ready');
    expect(closed).toHaveLength(1);
    // Under auto the rule goes back itself: it says when, and does not tell the user to do it.
    expect(closed[0]!.body).toBe(
      'alarm api-5xx in ALARM: Threshold Crossed: 9 5xx in 1 minute — Offload points the dev tools back at the local models if AWS stays not ready for 10m.',
    );
    await rule.switchConfig('local', { gate: async () => watch.snapshot() });
    expect(fs.readFileSync(envFile, 'utf8')).toBe(ENV_TEXT);
    expect(watch.snapshot().configTarget).toBe('local');
    expect(journal.some((j) => j.kind === 'config-switch' && j.data.target === 'local')).toBe(true);
  });
});
