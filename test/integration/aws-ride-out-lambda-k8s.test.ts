/**
 * The other steps that wait within a budget ride out blips the same way ecs-wait-stable does (issue 22, one
 * AwsOutageRider): lambda-deploy while it waits for LastUpdateStatus (real SDK, local AWS endpoint behind the
 * fault proxy) and eks-rollout while it follows the rollout (real @kubernetes/client-node, the local Kubernetes
 * API behind the same proxy). Past the budget they fail naming the last error and what goes on meanwhile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { lambdaDeployStep } from '../../main/core/aws/steps/lambda-deploy';
import { eksRolloutStep, type EksRolloutSpec } from '../../main/core/k8s/eks-rollout';
import { startFakeAws, FakeAwsState, type FakeAws } from '../fixtures/aws-endpoint/server';
import { startFaultProxy, type FaultProxy } from '../fixtures/aws-endpoint/fault-proxy';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import { K8sApi } from '../fixtures/k8s-api/server';
import type { AwsClients } from '../../main/core/aws/clients';
import type { ResolvedStep } from '../../main/core/vocabulary';

let fake: FakeAws;
let proxy: FaultProxy;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws({ state: new FakeAwsState() });
  proxy = await startFaultProxy(fake.url);
  // One SDK attempt per call: every fault reaches the step's own handling.
  clients = testClients(proxy.url, { maxAttempts: 1, timeout: '300ms' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ride-out-lk-'));
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist/fn.zip'), Buffer.from('PK\x03\x04exports.handler=1', 'binary'));
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

async function deploy(name: string, spec: Record<string, unknown> = {}) {
  fake.state.lambda.addFunction(name, { plans: [{ kind: 'successful', polls: 3 }] });
  const r = makeCtx({ aws: clients, config: testConfig(dir, { aws: { endpoint: proxy.url } }) });
  r.ctx.projectDir = dir;
  const t0 = Date.now();
  const res = await lambdaDeployStep.execute(
    r.ctx,
    step('lambda-deploy', { function: name, zip: 'dist/fn.zip', interval: '20ms', timeout: '20s', ...spec }),
  );
  return { ...r, res, ms: Date.now() - t0 };
}

describe('lambda-deploy rides out AWS blips while it waits for the update', () => {
  test('three throttled GetFunctionConfiguration polls in a row are waited out, and said so', async () => {
    fake.state.faults.push({ op: 'GetFunctionConfiguration', kind: 'throttle', times: 3 });
    const { res, logs } = await deploy('throttled');
    expect(res.summary).toMatch(/throttled: code/);
    expect(res.status).toBe('passed');
    expect(
      logs.some((l) => /AWS throttled for .*TooManyRequestsException.*still waiting \(budget/.test(l)),
    ).toBe(true);
    expect(logs.some((l) => /AWS answered again after/.test(l))).toBe(true);
  });

  test('5xx on every second poll and a second of connections reset before any answer pass', async () => {
    fake.state.faults.push({ op: 'GetFunctionConfiguration', kind: 'server', every: 2 });
    // Reset once the code was sent: the outage meets the wait for LastUpdateStatus. (Not refused: a loopback
    // endpoint that refuses is LocalStack or moto not running, which fails at once.)
    const before = fake.state.requests.length;
    const t = setInterval(() => {
      const since = fake.state.requests.slice(before);
      const sent = since.findIndex((q) => q.op === 'UpdateFunctionCode');
      if (sent >= 0 && since.slice(sent + 1).some((q) => q.op === 'GetFunctionConfiguration')) {
        clearInterval(t);
        proxy.set('reset', 1000);
      }
    }, 1);
    const { res, logs } = await deploy('bumpy');
    clearInterval(t);
    expect(res.status).toBe('passed');
    expect(logs.some((l) => /still waiting/.test(l))).toBe(true);
  });

  test('server errors past the budget fail naming the endpoint, not the AWS Health Dashboard, and how to follow', async () => {
    fake.state.faults.push({ op: 'GetFunctionConfiguration', kind: 'server' });
    const { res, ms } = await deploy('down', { timeout: '1500ms' });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^AWS answered with server errors for \d/);
    expect(res.summary).toContain(
      `the endpoint at ${proxy.url} (aws.endpoint) answered with a server error (HTTP 500)`,
    );
    expect(res.summary).not.toContain('Health Dashboard');
    expect(res.summary).toContain(
      `aws lambda get-function-configuration --function-name down --endpoint-url ${proxy.url} --region us-east-1`,
    );
    expect(ms).toBeLessThan(4000);
  });
});

describe('eks-rollout rides out Kubernetes API blips while it follows the rollout', () => {
  let api: K8sApi;
  let kproxy: FaultProxy;
  let home: string;
  beforeAll(async () => {
    api = await new K8sApi().start();
    kproxy = await startFaultProxy(api.url);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ride-out-k8s-'));
    const file = api.writeKubeconfig(path.join(home, 'config'));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(api.url, kproxy.url));
  });
  afterAll(async () => {
    await kproxy.close();
    await api.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** Runs `fault` once the image was set and the rollout's polling began. */
  const afterPatch = (fault: () => void) => {
    const before = api.requests.length;
    const t = setInterval(() => {
      // The PATCH was answered once a read follows it: the faults meet the rollout's polls, not the patch.
      const since = api.requests.slice(before);
      const patch = since.findIndex((q) => q.method === 'PATCH');
      if (patch >= 0 && since.slice(patch + 1).some((q) => q.method === 'GET')) {
        clearInterval(t);
        fault();
      }
    }, 1);
    return () => clearInterval(t);
  };

  async function rollout(name: string, spec: Partial<EksRolloutSpec> = {}) {
    api.addDeployment({ name, image: `repo/${name}:1`, replicas: 2 });
    const r = makeCtx(
      { config: testConfig(dir, {}) },
      { env: { HOME: home, KUBECONFIG: path.join(home, 'config') } },
    );
    const s: ResolvedStep<EksRolloutSpec> = {
      id: 'rollout',
      name: 'rollout',
      kind: 'eks-rollout',
      spec: { deployment: name, image: `repo/${name}:2`, interval: '20ms', timeout: '20s', ...spec },
      extra: {},
      timeoutMs: undefined,
    };
    const t0 = Date.now();
    const res = await eksRolloutStep.execute(r.ctx, s);
    return { ...r, res, ms: Date.now() - t0 };
  }

  test('503s and 429s from the API server while polling are waited out, and said so', async () => {
    const stop = afterPatch(() => {
      api.faults.push({ match: /\/deployments\/web$/, code: 503, times: 2 });
      api.faults.push({ match: /\/replicasets$/, code: 429, times: 2 });
    });
    const { res, logs } = await rollout('web');
    stop();
    expect(res.summary).toMatch(/rolled out/);
    expect(res.status).toBe('passed');
    expect(
      logs.some((l) =>
        /The Kubernetes API server (answered with server errors|throttled) for .*still waiting/.test(l),
      ),
    ).toBe(true);
  });

  test('a second of reset connections to the API server (a VPN blip) is ridden out', async () => {
    const stop = afterPatch(() => kproxy.set('reset', 1000));
    const { res, logs } = await rollout('vpn');
    stop();
    kproxy.set('pass');
    expect(res.status).toBe('passed');
    expect(logs.some((l) => /The Kubernetes API server was unreachable for .*still waiting/.test(l))).toBe(
      true,
    );
  });

  test('an API server on this machine that refuses (a kind cluster not running) fails at once, saying so', async () => {
    const stop = afterPatch(() => kproxy.set('refuse'));
    const { res, ms } = await rollout('stopped', { timeout: '20s' });
    stop();
    kproxy.set('pass');
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(`cannot reach the API server at ${kproxy.url}`);
    expect(res.summary).toContain('nothing listens on that port of this machine');
    expect(ms).toBeLessThan(5000);
  });

  test('503s past the budget fail naming the last error and that the rollout goes on', async () => {
    const stop = afterPatch(() => api.faults.push({ match: /\/deployments\/down$/, code: 503, times: 1e9 }));
    const { res, ms } = await rollout('down', { timeout: '1200ms' });
    stop();
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^The Kubernetes API server answered with server errors for \d/);
    expect(res.summary).toContain('HTTP 503');
    expect(res.summary).toContain('The rollout goes on in the cluster');
    expect(ms).toBeLessThan(4000);
  });
});
