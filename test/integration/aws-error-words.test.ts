/**
 * The right words for what AWS did (issue 22, item 6), through the real SDK, the local AWS endpoint and the
 * TCP fault proxy: a response cut off mid-body is "AWS answered but the response was cut off", never "could
 * not reach AWS" (for a step, for the watch, in both protocol shapes) and a step rides it out; a reset is the
 * network's, never "timed out"; a throttled step's advice names the step's own settings, not the watch's.
 * A whole 2xx body that is not AWS's (a wrong aws.endpoint answering an HTML page) fails at once, naming the
 * endpoint, never ridden out as a cut-off.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { AwsClients } from '../../main/core/aws/clients';
import { explainAwsError } from '../../main/core/aws/errors';
import { ecsWaitStableStep } from '../../main/core/aws/steps/ecs-wait-stable';
import { createAwsWatch } from '../../main/core/aws/watch';
import { Notifier } from '../../main/core/notify/notifier';
import { startFaultProxy, type FaultProxy } from '../fixtures/aws-endpoint/fault-proxy';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

let fake: FakeAws;
let proxy: FaultProxy;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws();
  fake.state.addService({ cluster: 'dev', service: 'api' });
  fake.state.setAlarm('api-5xx', 'OK');
  proxy = await startFaultProxy(fake.url);
  clients = testClients(proxy.url, { maxAttempts: 1, timeout: '1s' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-error-words-'));
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

const failed = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
};

describe('a response cut off mid-body', () => {
  test('is "AWS answered but the response was cut off", in the JSON and the Query shapes', async () => {
    proxy.set('truncate');
    const ecs = await failed(
      clients.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })),
    );
    const cw = await failed(clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['api-5xx'] })));
    for (const [err, action] of [
      [ecs, 'ecs:DescribeServices'],
      [cw, 'cloudwatch:DescribeAlarms'],
    ] as const) {
      const msg = explainAwsError(err, { action, region: 'us-east-1' });
      expect(msg).toMatch(
        new RegExp(`^${action} failed: AWS answered but the response was cut off \\(HTTP 200`),
      );
      expect(msg).not.toMatch(/could not reach|timed out/);
    }
    expect(proxy.counts.truncate).toBeGreaterThanOrEqual(2);
  });

  test('the watch says so, naming the endpoint in use; the gate is unknown, never ready', async () => {
    proxy.set('truncate');
    const w = createAwsWatch({
      effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
      config: testConfig(dir, {
        aws: { endpoint: proxy.url, region: 'us-east-1' },
        gate: { services: [{ cluster: 'dev', service: 'api' }], alarms: { names: ['api-5xx'] } },
      }),
      clients,
      notifier: new Notifier({ dedupeMs: 0 }),
      dataDir: dir,
      oneShot: true,
      log: () => undefined,
    });
    await w.pollOnce();
    const snap = w.snapshot();
    expect(snap.gate).toBe('unknown');
    expect(snap.reason).toContain(
      `the endpoint at ${proxy.url} (aws.endpoint) answered but the response was cut off`,
    );
    expect(snap.reason).not.toMatch(/could not reach/);
    w.stop();
  });

  test('a waiting step rides it out and says what it was', async () => {
    const r = makeCtx({ aws: clients, config: testConfig(dir, { aws: { endpoint: proxy.url } }) });
    proxy.set('truncate', 400);
    const res = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['api'], interval: '20ms', timeout: '20s' }),
    );
    expect(res.status).toBe('passed');
    expect(r.logs.some((l) => /^AWS answered with cut-off responses for .*still waiting/.test(l))).toBe(true);
  });
});

test('a reset connection is the network, never "the request timed out"', async () => {
  proxy.set('reset');
  const err = await failed(
    clients.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })),
  );
  const msg = explainAwsError(err, { action: 'ecs:DescribeServices', region: 'us-east-1' });
  expect(msg).toMatch(/could not reach AWS in us-east-1 \(ECONNRESET\)/);
  expect(msg).not.toMatch(/timed out|aws\.timeout/);
});

test("a throttled step's advice names the step's own interval, timeout and retries, not the watch's", async () => {
  fake.state.faults.push({ op: 'DescribeServices', kind: 'throttle' });
  const r = makeCtx({ aws: clients, config: testConfig(dir, { aws: { endpoint: proxy.url } }) });
  const res = await ecsWaitStableStep.execute(
    r.ctx,
    step('ecs-wait-stable', { cluster: 'dev', services: ['api'], interval: '20ms', timeout: '600ms' }),
  );
  expect(res.status).toBe('failed');
  expect(res.summary).toMatch(/^AWS throttled for /);
  expect(res.summary).toContain(
    "the step's own `timeout:` and `interval:` in offload.yml; `retries:` runs it again",
  );
  expect(res.summary).not.toMatch(/gate\.interval|notify\.interval|poll less often/);
});

describe('a whole 2xx answer that is not AWS (a wrong aws.endpoint)', () => {
  let web: http.Server;
  let url: string;
  let answer = { type: 'text/html; charset=utf-8', body: '<!doctype html><html><body>Welcome</body></html>' };
  let cut = false; // the body is cut off before its Content-Length
  beforeAll(async () => {
    web = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const length = Buffer.byteLength(answer.body);
        res.writeHead(200, { 'content-type': answer.type, 'content-length': length + (cut ? 100 : 0) });
        if (cut) res.write(answer.body, () => res.destroy());
        else res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => web.close(() => resolve())));

  test('an HTML page: the step fails at once, naming the endpoint and the content type', async () => {
    answer = { type: 'text/html; charset=utf-8', body: '<!doctype html><html><body>Welcome</body></html>' };
    const web1 = testClients(url, { maxAttempts: 1, timeout: '1s' });
    const r = makeCtx({ aws: web1, config: testConfig(dir, { aws: { endpoint: url } }) });
    const started = Date.now();
    const res = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['api'], interval: '20ms', timeout: '20s' }),
    );
    web1.destroy();
    expect(res.status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5000); // not ridden out for the 20 s budget
    expect(res.summary).toContain(
      `the endpoint ${url} answered with something that is not AWS (text/html) — check aws.endpoint`,
    );
    expect(r.logs.some((l) => /cut-off|still waiting/.test(l))).toBe(false);
  });

  test('the XML protocols (CloudFormation, STS), which would read a page as an empty answer, refuse it too; once, not retried', async () => {
    answer = { type: 'text/html', body: '<html><body><p>Sign in to the network</p></body></html>' };
    let requests = 0;
    web.on('request', () => requests++);
    const web3 = testClients(url, { maxAttempts: 3, timeout: '1s' });
    for (const [p, action] of [
      [() => web3.cloudformation.send(new DescribeStacksCommand({})), 'cloudformation:DescribeStacks'],
      [() => web3.sts.send(new GetCallerIdentityCommand({})), 'sts:GetCallerIdentity'],
    ] as const) {
      const err = await failed(p());
      expect(explainAwsError(err, { action, endpoint: url })).toMatch(
        new RegExp(
          `^${action} failed: the endpoint ${url} answered with something that is not AWS \\(text/html\\) — check aws\\.endpoint`,
        ),
      );
    }
    web3.destroy();
    expect(requests).toBe(2);
  });

  test('a body labelled text/html (as moto labels its JSON) cut off mid-way is still a cut-off, worth waiting out', async () => {
    answer = { type: 'text/html; charset=utf-8', body: '{"services": [{"serviceName": "api", ' };
    cut = true;
    const web4 = testClients(url, { maxAttempts: 1, timeout: '1s' });
    const err = await failed(
      web4.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })),
    );
    cut = false;
    web4.destroy();
    expect(explainAwsError(err, { action: 'ecs:DescribeServices', region: 'us-east-1' })).toMatch(
      /^ecs:DescribeServices failed: AWS answered but the response was cut off \(HTTP 200/,
    );
  });

  test('JSON that does not parse, whole, is not AWS either; without an endpoint it names what is between', async () => {
    answer = { type: 'application/json', body: '{"hello": ' };
    const web2 = testClients(url, { maxAttempts: 1, timeout: '1s' });
    const err = await failed(
      web2.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })),
    );
    web2.destroy();
    expect(explainAwsError(err, { action: 'ecs:DescribeServices', endpoint: url })).toBe(
      `ecs:DescribeServices failed: the endpoint ${url} answered with something that is not AWS (application/json that does not parse) — check aws.endpoint in offload.yml (the URL of LocalStack, moto or another AWS-compatible service).`,
    );
    expect(explainAwsError(err, { action: 'ecs:DescribeServices', region: 'us-east-1' })).toMatch(
      /^ecs:DescribeServices failed: the answer in us-east-1 was not AWS's \(application\/json that does not parse\): something between you and AWS/,
    );
  });
});
