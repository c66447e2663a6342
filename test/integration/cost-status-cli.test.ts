/**
 * `offload status` through the built CLI with the cost of the last deploy: the line beside what offloading
 * freed, and `cost` in --json; a second status within 15 minutes reads the kept estimate and asks AWS nothing.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeployment } from '../../main/core/deployments';
import { openProject } from '../../main/core/project';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

/** 4 tasks × (2 vCPU × $0.04048 + 4 GB × $0.004445) = $0.39496/h; 2 h since the deploy ≈ $0.79. */
const RATE = 4 * (2 * 0.04048 + 4 * 0.004445);

describe('offload status: what AWS costs for the last deploy', () => {
  let fake: FakeAws;
  let dir: string;
  let data: string;
  let deployedAt: number;
  const env = { ...TEST_ENV, TZ: 'UTC' };
  const cli = (...args: string[]) => runCli([...args, '--data-dir', data], { cwd: dir, env });
  const awsCalls = () => fake.state.requests.filter((r) => r.service !== 'http').length;

  beforeAll(async () => {
    fake = await startFakeAws();
    const svc = fake.state.addService({ cluster: 'dev', service: 'api', desired: 4 });
    Object.assign(fake.state.taskDefs.get(svc.deployments[0]!.taskDefinition)!, {
      cpu: '2048',
      memory: '4096',
    });
    dir = makeProject(`name: cost-cli
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
gate:
  services: [{ cluster: dev, service: api }]
notify: { desktop: false, budget: { per-hour: 0.25 } }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`);
    data = tempDataDir();
    const { history } = openProject({ cwd: dir, dataDir: data, env: TEST_ENV });
    deployedAt = Date.now() - 2 * 3_600_000;
    recordDeployment(history, {
      runId: 'r1',
      workflow: 'services',
      at: new Date(deployedAt).toISOString(),
      fingerprint: 'f1',
      items: [],
    });
    history.appendProjectEvent('stop-local-models', {
      trigger: 'user',
      reason: 'asked by the user: stop all',
      outcomes: [
        {
          pid: 4242,
          title: 'Ollama',
          result: 'stopped',
          how: ['SIGTERM'],
          freed: { rssBytes: 9.2 * 2 ** 30, gpuMemBytes: 6 * 2 ** 30 },
          held: { rssBytes: 9.2 * 2 ** 30, gpuMemBytes: 6 * 2 ** 30, cpuPct: 3, pids: [4242] },
        },
      ],
    });
  });

  afterAll(async () => {
    await fake?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('prints the cost with the relief on one line, the budget warning under it; --json carries it', async () => {
    const r = await cli('status');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const clock = new Date(deployedAt).toISOString().slice(11, 16);
    expect(r.stdout).toContain(
      `💲 AWS ≈ $0.39/h since ${clock} ($0.79) · freed 9.2 GiB RAM, 6.0 GiB VRAM\n   ⚠ AWS ≈ $0.39/h is over the budget of $0.25/h (notify.budget)\n`,
    );
    expect(awsCalls()).toBe(5); // GetProducts ×3, DescribeServices, DescribeTaskDefinition

    const j = await cli('status', '--json');
    expect(j.code).toBe(0);
    const cost = JSON.parse(j.stdout).cost;
    expect(cost).toMatchObject({
      usdPerHour: expect.closeTo(RATE, 10),
      partial: false,
      deployment: { runId: 'r1', at: new Date(deployedAt).toISOString() },
      items: [{ name: 'dev/api', kind: 'fargate', basis: '4 tasks × (2 vCPU, 4 GB)' }],
      prices: { source: 'price-list' },
      budget: { perHour: 0.25, exceeded: 'AWS ≈ $0.39/h is over the budget of $0.25/h (notify.budget)' },
    });
    expect(cost.sinceDeployUsd).toBeGreaterThanOrEqual(2 * RATE);
    expect(cost.sinceDeployUsd).toBeLessThan(2.1 * RATE);
    // The second status read the estimate the first one kept: no AWS call.
    expect(awsCalls()).toBe(5);
  });
});
