/**
 * The cost view through the real core against the local AWS endpoint (Price List + ECS, real SDK): the last
 * deploy's Fargate services priced by hand-computed numbers; state snapshots asking AWS nothing; a refresh only
 * once the estimate is 15 minutes old (on a clock the test moves) or after a new deploy; the budget warned once
 * per crossing through the notice path; offline, the last usage and the cached prices said with their date.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostView } from '../../main/core/aws/cost-view';
import { recordDeployment } from '../../main/core/deployments';
import { createOffload, type Offload } from '../../main/core/offload';
import { openProject } from '../../main/core/project';
import type { Notice } from '../../main/core/state';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV, testClients } from '../fixtures/aws-endpoint/helpers';
import { waitFor } from '../helpers/process';

const T0 = Date.parse('2026-12-07T09:12:00Z');
const MIN = 60_000;

/** 4 tasks × (2 vCPU × $0.04048 + 4 GB × $0.004445) = 4 × 0.09874 = $0.39496/h (us-east-1, the fixture's prices). */
const RATE = 4 * (2 * 0.04048 + 4 * 0.004445);

describe('the cost view of the last deploy', () => {
  let fake: FakeAws;
  let core: Offload;
  let dir: string;
  let dataDir: string;
  let clock = T0;
  const delivered: Notice[] = [];
  const awsCalls = () => fake.state.requests.filter((r) => r.service !== 'http').length;

  beforeAll(async () => {
    fake = await startFakeAws();
    const svc = fake.state.addService({ cluster: 'dev', service: 'api', desired: 4 });
    const td = fake.state.taskDefs.get(svc.deployments[0]!.taskDefinition)!;
    Object.assign(td, { cpu: '2048', memory: '4096' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-view-'));
    dataDir = `${dir}-data`;
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: cost-view
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
gate:
  services: [{ cluster: dev, service: api }]
notify:
  desktop: false
  budget: { per-hour: 0.3, per-day: 100 }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`,
    );
    const { history } = openProject({ cwd: dir, dataDir, env: TEST_ENV });
    recordDeployment(history, {
      runId: 'r1',
      workflow: 'services',
      at: new Date(T0).toISOString(),
      fingerprint: 'f1',
      items: [],
    });
    core = await createOffload({
      projectDir: dir,
      dataDir,
      env: { ...process.env, ...TEST_ENV },
      watch: false,
      now: () => clock,
      log: () => undefined,
      notifySink: { deliver: (n) => void delivered.push(n) },
    });
    await core.trustProject();
  }, 30_000);

  afterAll(async () => {
    await core?.dispose();
    await fake?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prices the deploy by hand-computed numbers; 100 state updates ask AWS nothing', async () => {
    expect(core.state().cost).toBeNull(); // nothing read yet, and a snapshot never asks
    expect(awsCalls()).toBe(0);
    clock = T0 + 2 * 3_600_000;
    const s = (await core.cost())!;
    expect(s.usdPerHour).toBeCloseTo(RATE, 10);
    expect(s.items).toEqual([
      {
        name: 'dev/api',
        kind: 'fargate',
        usdPerHour: expect.closeTo(RATE, 10),
        basis: '4 tasks × (2 vCPU, 4 GB)',
      },
    ]);
    expect(s.deployment).toEqual({ runId: 'r1', at: '2026-12-07T09:12:00.000Z' });
    expect(s.sinceDeployUsd).toBeCloseTo(2 * RATE, 10);
    expect(s.prices).toEqual({ source: 'price-list', fetchedAt: '2026-12-07T11:12:00.000Z' });
    expect(s.line).toMatch(/^AWS ≈ \$0\.39\/h since \d\d:\d\d \(\$0\.79\)$/);
    // Pricing: AmazonECS + AWSLambda + AmazonEKS (one file a day); ECS: DescribeServices + DescribeTaskDefinition.
    const first = awsCalls();
    expect(first).toBe(5);
    for (let i = 0; i < 100; i++) {
      clock += 5_000;
      expect(core.state().cost?.usdPerHour).toBeCloseTo(RATE, 10);
    }
    expect(awsCalls()).toBe(first);
    expect(core.state().cost?.sinceDeployUsd).toBeCloseTo(((2 * 3_600_000 + 500_000) / 3_600_000) * RATE, 10);
  });

  it('refreshes only once 15 minutes old (usage only: the prices stay cached a day)', async () => {
    const before = awsCalls();
    clock = T0 + 2 * 3_600_000 + 14 * MIN;
    await core.cost();
    expect(awsCalls()).toBe(before);
    clock = T0 + 2 * 3_600_000 + 15 * MIN;
    const s = (await core.cost())!;
    const asked = fake.state.requests.slice(before).map((r) => r.op);
    expect(asked).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
    expect(s.checkedAt).toBe('2026-12-07T11:27:00.000Z');
    expect(s.prices).toMatchObject({ source: 'cache', fetchedAt: '2026-12-07T11:12:00.000Z' });
  });

  it('warns of the budget once per crossing, through the notice path', async () => {
    const warned = () => delivered.filter((n) => n.title === 'AWS over budget');
    // $0.39/h > 0.3: warned once at the first refresh.
    expect(warned()).toHaveLength(1);
    expect(warned()[0]).toMatchObject({
      level: 'warning',
      body: 'AWS ≈ $0.39/h is over the budget of $0.30/h (notify.budget)',
      target: { view: 'aws' },
    });
    expect(core.state().cost?.budget).toMatchObject({ perHour: 0.3, exceeded: warned()[0]!.body });
    // Still over at a different rate (a different body the notifier would not dedupe): no second warning.
    fake.state.service('dev', 'api').deployments[0]!.runningCount = 5;
    clock += 15 * MIN;
    expect((await core.cost())!.usdPerHour).toBeCloseTo((5 / 4) * RATE, 10);
    expect(warned()).toHaveLength(1);
    // Below, then over again: a second warning.
    fake.state.service('dev', 'api').deployments[0]!.runningCount = 2;
    clock += 15 * MIN;
    expect((await core.cost())!.budget?.exceeded).toBeUndefined();
    fake.state.service('dev', 'api').deployments[0]!.runningCount = 6;
    clock += 15 * MIN;
    await core.cost();
    expect(warned()).toHaveLength(2);
    expect(warned()[1]!.body).toBe('AWS ≈ $0.59/h is over the budget of $0.30/h (notify.budget)');
  });

  it('a new deploy is priced at once; offline the last usage and the cached prices are said with their date', async () => {
    fake.state.service('dev', 'api').deployments[0]!.runningCount = 4;
    const before = awsCalls();
    recordDeployment(openProject({ cwd: dir, dataDir, env: TEST_ENV }).history, {
      runId: 'r2',
      workflow: 'services',
      at: new Date(clock).toISOString(),
      fingerprint: 'f2',
      items: [],
    });
    clock += MIN;
    const s = (await core.cost())!;
    expect(awsCalls()).toBe(before + 2);
    expect(s.deployment?.runId).toBe('r2');
    expect(s.sinceDeployUsd).toBeCloseTo(RATE / 60, 10);
    const checked = s.checkedAt;
    await fake.close();
    clock += 16 * MIN;
    const off = (await core.cost())!;
    expect(off.usdPerHour).toBeCloseTo(RATE, 10);
    expect(off.stale).toMatch(new RegExp(`^ecs:DescribeServices failed: .+; usage as of ${checked}$`));
    expect(off.prices).toMatchObject({ source: 'cache', fetchedAt: '2026-12-07T11:12:00.000Z' });
  });
});

describe('the cost view where something watches (tray, `offload watch`)', () => {
  it('a deploy run is priced when it ends, and the budget warning reaches the notice sink', async () => {
    const fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api', desired: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-watch-'));
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: cost-watch
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
gate: { services: [{ cluster: dev, service: api }], policy: notify }
notify: { desktop: false, budget: { per-hour: 0.01 } }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`,
    );
    const delivered: Notice[] = [];
    const core = await createOffload({
      projectDir: dir,
      dataDir: `${dir}-data`,
      env: { ...process.env, ...TEST_ENV },
      log: () => undefined,
      notifySink: { deliver: (n) => void delivered.push(n) },
    });
    const costCalls = () =>
      fake.state.requests.filter((r) => r.service === 'pricing' || r.op === 'DescribeTaskDefinition').length;
    try {
      await core.trustProject();
      expect(core.state().cost).toBeNull(); // nothing deployed: nothing priced, nothing asked
      expect(costCalls()).toBe(0);
      const run = await core.run('services');
      expect(run.status).toBe('passed');
      await waitFor(() => core.state().cost?.deployment?.runId === run.runId, 10_000, 'the deploy priced');
      // 2 tasks × (0.25 vCPU × $0.04048 + 0.5 GB × $0.004445) = $0.024685/h
      expect(core.state().cost?.usdPerHour).toBeCloseTo(2 * (0.25 * 0.04048 + 0.5 * 0.004445), 10);
      expect(costCalls()).toBe(4);
      await waitFor(() => delivered.some((n) => n.title === 'AWS over budget'), 5_000, 'the budget notice');
      expect(delivered.filter((n) => n.title === 'AWS over budget')).toHaveLength(1);
    } finally {
      await core.dispose();
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-data`, { recursive: true, force: true });
    }
  }, 30_000);

  it('a command waits a bounded time for a refresh: AWS that never answers does not hold it', async () => {
    const silent = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-silent-'));
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: cost-silent\naws: { endpoint: ${url}, region: us-east-1, max-attempts: 1, timeout: 5s }\ngate: { services: [{ cluster: dev, service: api }] }\nphases:\n  local: { steps: [{ name: Tests, run: "true" }] }\n`,
    );
    const { history } = openProject({ cwd: dir, dataDir: `${dir}-data`, env: TEST_ENV });
    recordDeployment(history, {
      runId: 'r1',
      workflow: 'services',
      at: new Date(T0).toISOString(),
      fingerprint: 'f',
      items: [],
    });
    const clients = testClients(url, { maxAttempts: 1, timeout: '5s' });
    const view = new CostView({
      history,
      dataDir: `${dir}-data`,
      scope: { region: 'us-east-1', services: [{ cluster: 'dev', service: 'api' }] },
      clients: () => clients,
      now: () => T0 + MIN,
      notify: () => undefined,
      changed: () => undefined,
    });
    try {
      const t = Date.now();
      expect(await view.refreshIfDue(300)).toBeNull(); // nothing kept yet, and AWS has not answered
      expect(Date.now() - t).toBeLessThan(1_500);
    } finally {
      view.dispose();
      silent.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-data`, { recursive: true, force: true });
    }
    // Disposed mid-refresh (its clients destroyed, the request failed): nothing written as if AWS had answered.
    await new Promise((r) => setTimeout(r, 500));
    expect(history.readState('cost-view')).toBeUndefined();
  });
});
