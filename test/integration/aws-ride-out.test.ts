/**
 * AWS misbehaving under the steps that wait (issue 22): ecs-wait-stable and cloudformation-deploy keep polling
 * through throttling (both protocol shapes), 5xx bursts, reset and hanging connections within their
 * budget, and fail clearly past it — naming the last error and what goes on in AWS. Non-transient errors
 * (access denied) still fail at once. Real SDK clients, the local AWS endpoint, a TCP fault proxy in front.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ecsDeployStep } from '../../main/core/aws/steps/ecs-deploy';
import { ecsWaitStableStep } from '../../main/core/aws/steps/ecs-wait-stable';
import { cloudformationDeployStep } from '../../main/core/aws/steps/cloudformation-deploy';
import { startFakeAws, FakeAwsState, type FakeAws, type FaultRule } from '../fixtures/aws-endpoint/server';
import { startFaultProxy, type FaultProxy } from '../fixtures/aws-endpoint/fault-proxy';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let proxy: FaultProxy;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws({ state: new FakeAwsState() });
  proxy = await startFaultProxy(fake.url);
  // One SDK attempt per call and a short request timeout: every fault reaches the step's own handling.
  clients = testClients(proxy.url, { maxAttempts: 1, timeout: '300ms' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ride-out-'));
});
afterEach(() => {
  fake.state.faults = [];
  proxy.set('pass');
});
afterAll(async () => {
  clients?.destroy();
  await proxy?.close();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const services = () => ({ aws: clients, config: testConfig(dir, { aws: { endpoint: proxy.url } }) });

async function rollout(service: string, faults: FaultRule[], wait: Record<string, unknown> = {}) {
  fake.state.addService({
    cluster: 'dev',
    service,
    image: 'api:v1',
    desired: 1,
    plan: { kind: 'healthy', ticks: 3 },
  });
  const r = makeCtx(services());
  const dep = await ecsDeployStep.execute(
    r.ctx,
    step('ecs-deploy', { cluster: 'dev', service, image: 'api:v2' }),
  );
  expect(dep.summary + dep.status).toMatch(/passed$/);
  fake.state.faults.push(...faults); // after the deploy: the wait's polls meet them
  const started = Date.now();
  const res = await ecsWaitStableStep.execute(
    r.ctx,
    step('ecs-wait-stable', {
      cluster: 'dev',
      services: [service],
      interval: '20ms',
      timeout: '20s',
      ...wait,
    }),
  );
  return { ...r, res, ms: Date.now() - started };
}

describe('ecs-wait-stable rides out AWS blips within its budget', () => {
  test('four throttled DescribeServices in a row (past the SDK’s own retries) (JSON protocol) are waited out, and said so', async () => {
    const { res, logs } = await rollout('throttled', [
      { op: 'DescribeServices', kind: 'throttle', times: 4 },
    ]);
    expect(res.status).toBe('passed');
    expect(
      logs.some((l) =>
        /AWS throttled for .* \(ThrottlingException.*\), still waiting \(budget .* left\)/.test(l),
      ),
    ).toBe(true);
    expect(logs.some((l) => /AWS answered again after/.test(l))).toBe(true);
  });

  test('50 % throttling for the whole rollout passes', async () => {
    const { res } = await rollout('half', [{ op: 'DescribeServices', kind: 'throttle', every: 2 }]);
    expect(res.status).toBe('passed');
  });

  test('1.5 s of connections reset before any answer, then a hang are ridden out', async () => {
    fake.state.addService({
      cluster: 'dev',
      service: 'vpn',
      desired: 1,
      plan: { kind: 'healthy', ticks: 3 },
    });
    const r = makeCtx(services());
    await ecsDeployStep.execute(r.ctx, step('ecs-deploy', { cluster: 'dev', service: 'vpn', force: true }));
    const t0 = Date.now();
    const timers = [
      // Reset, not refused: a loopback endpoint that refuses is LocalStack or moto not running (it fails at once).
      setTimeout(() => proxy.set('reset', 1500), 0),
      setTimeout(() => proxy.set('hang', 700), 1600),
    ];
    const res = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['vpn'], interval: '20ms', timeout: '20s' }),
    );
    // The rollout needs a few good polls: it ends only after the outage.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - t0))));
    for (const t of timers) clearTimeout(t);
    expect(res.status).toBe('passed');
    expect(r.logs.some((l) => /AWS was unreachable for .*\(ECONNRESET\), still waiting/.test(l))).toBe(true);
  });

  test('5xx past the budget fails naming the last error and that the rollout goes on', async () => {
    const { res, ms } = await rollout('down', [{ op: 'DescribeServices', kind: 'server' }], {
      timeout: '1500ms',
    });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^AWS answered with server errors for \d/);
    expect(res.summary).toMatch(
      /ecs:DescribeServices \(dev\) failed: the endpoint at http:\/\/127\.0\.0\.1:\d+ \(aws\.endpoint\) answered with a server error \(HTTP 500\)/,
    );
    expect(res.summary).toContain('The rollout goes on in AWS');
    expect(ms).toBeLessThan(4000);
  });

  test('access denied is not transient: it fails at once, without waiting', async () => {
    const { res, ms, logs } = await rollout('denied', [{ op: 'DescribeServices', kind: 'denied' }]);
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/access denied/);
    expect(ms).toBeLessThan(1000);
    expect(logs.some((l) => /still waiting/.test(l))).toBe(false);
  });
});

describe('cloudformation-deploy rides out blips while following the stack', () => {
  const template = () => {
    fs.writeFileSync(
      path.join(dir, 'q.json'),
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: { Q: { Type: 'AWS::SQS::Queue' } },
      }),
    );
    return 'q.json';
  };

  test('throttled (Query protocol) and 5xx polls after the change set executed: the deploy passes', async () => {
    fake.state.cloudformation.planFor('blips', { kind: 'success', outputs: { Url: 'https://q' } });
    fake.state.faults.push({ op: 'DescribeStacks', kind: 'server', every: 2 });
    fake.state.faults.push({ op: 'DescribeStackEvents', kind: 'throttle', times: 5 });
    const r = makeCtx(services());
    r.ctx.projectDir = dir;
    const res = await cloudformationDeployStep.execute(
      r.ctx,
      step('cloudformation-deploy', {
        stack: 'blips',
        template: template(),
        interval: '10ms',
        timeout: '20s',
      }),
    );
    expect(res.summary).toMatch(/stack blips created/);
    expect(res.status).toBe('passed');
    expect(r.logs.some((l) => /still waiting/.test(l))).toBe(true);
  });

  test('an outage past the budget after executing says the stack keeps updating and how to follow or stop it', async () => {
    fake.state.cloudformation.planFor('gone', { kind: 'success' });
    const r = makeCtx(services());
    r.ctx.projectDir = dir;
    const before = fake.state.requests.length;
    const executing = setInterval(() => {
      if (fake.state.requests.slice(before).some((q) => q.op === 'ExecuteChangeSet')) {
        clearInterval(executing);
        fake.state.faults.push({ op: 'DescribeStacks', kind: 'throttle' });
        fake.state.faults.push({ op: 'DescribeStackEvents', kind: 'throttle' });
      }
    }, 1);
    const res = await cloudformationDeployStep.execute(
      r.ctx,
      step('cloudformation-deploy', {
        stack: 'gone',
        template: template(),
        interval: '10ms',
        timeout: '1500ms',
      }),
    );
    clearInterval(executing);
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^AWS throttled for /);
    expect(res.summary).toContain('the stack keeps updating in AWS');
    expect(res.summary).toContain('aws cloudformation cancel-update-stack --stack-name gone');
    expect(res.summary).toContain('give the step a longer timeout or interval');
  });
});

/** A port on `host` that nothing listens on: a server bound there, its port taken, then closed. */
async function closedPort(host: string): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** This machine's first address that is not loopback (a refusal there stands in for a remote host's). */
const outward = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

describe('a refused connection', () => {
  async function waitOn(url: string, timeout: string) {
    const own = testClients(url, { maxAttempts: 1 });
    try {
      const r = makeCtx({ aws: own, config: testConfig(dir, { aws: { endpoint: url } }) });
      const started = Date.now();
      const res = await ecsWaitStableStep.execute(
        r.ctx,
        step('ecs-wait-stable', { cluster: 'dev', services: ['api'], interval: '20ms', timeout }),
      );
      return { ...r, res, ms: Date.now() - started };
    } finally {
      own.destroy();
    }
  }

  test('on a loopback endpoint (LocalStack or moto not running) fails at once, an hour of budget left', async () => {
    const url = await closedPort('127.0.0.1');
    const { res, ms, logs } = await waitOn(url, '1h');
    expect(res.status).toBe('failed');
    expect(res.summary).toBe(
      `ecs:DescribeServices (dev) failed: the endpoint ${url} (aws.endpoint) refused the connection (ECONNREFUSED on ${new URL(url).host}): nothing listens on that port of this machine, so this is not an AWS outage to wait out. Fix: is LocalStack/moto running on that port? Start it, or correct aws.endpoint in offload.yml.`,
    );
    expect(logs.some((l) => /still waiting/.test(l))).toBe(false);
    expect(ms).toBeLessThan(2000);
  });

  test('on ::1 too', async () => {
    const url = await closedPort('::1');
    const { res } = await waitOn(url, '1h');
    expect(res.summary).toMatch(/refused the connection \(ECONNREFUSED on \[::1\]:\d+\).*LocalStack\/moto/);
  });

  test.skipIf(!outward)(
    'on a host that is not this machine’s loopback is ridden out as an outage',
    async () => {
      const url = await closedPort(outward!);
      const { res, logs } = await waitOn(url, '1200ms');
      expect(res.status).toBe('failed');
      expect(res.summary).toMatch(
        /^AWS was unreachable for .* until the step's budget was spent: .*could not reach the endpoint at .*\(ECONNREFUSED\)/,
      );
      // ridden out: it waited and said so (how long depends on the back-off's jitter within the budget)
      expect(logs.some((l) => /AWS was unreachable for .*\(ECONNREFUSED\), still waiting/.test(l))).toBe(
        true,
      );
    },
  );
});
