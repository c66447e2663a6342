/**
 * load-test against a real HTTP server on 127.0.0.1 (autocannon drives real sockets): one run within its
 * thresholds; one that fails on the error rate (500s named); one that fails on p95 (a slow route); cancel stops
 * the load at once; a scaling check against the local AWS endpoint (ECS desired count raised during the load,
 * and one that never scales); an unbounded config refused at validate with file:line:column.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTestStep } from '../../main/core/load-test/load-test';
import { planOf, parseRate } from '../../main/core/load-test/plan';
import { LatencyHistogram } from '../../main/core/load-test/run';
import { ConfigError, loadConfig } from '../../main/core/config';
import { STEP_KINDS, CONFIG_SECTIONS } from '../../main/core/registry';
import { startFakeAws, FakeAwsState, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let server: http.Server;
let base: string;
let hits = 0;
/** Called on each request to /scale (lets a test act "during the load"). */
let onScaleHit: (() => void) | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    const url = req.url ?? '/';
    if (url.startsWith('/flaky')) {
      // Every 10th request fails with a 500.
      const fail = hits % 10 === 0;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
      return res.end(fail ? 'boom' : 'ok');
    }
    if (url.startsWith('/slow')) {
      setTimeout(() => {
        res.writeHead(200);
        res.end('slow');
      }, 60);
      return;
    }
    if (url.startsWith('/echo')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ok = req.method === 'POST' && req.headers['content-type'] === 'application/json';
        res.writeHead(ok && JSON.parse(Buffer.concat(chunks).toString()).q === 1 ? 200 : 400);
        res.end();
      });
      return;
    }
    if (url.startsWith('/scale')) onScaleHit?.();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const run = (spec: Record<string, unknown>, signal?: AbortSignal, services = {}) => {
  const r = makeCtx(services, signal ? { signal } : {});
  return { r, result: loadTestStep.execute(r.ctx, step('load-test', spec as never)) };
};

describe('load-test', () => {
  test('within its thresholds ✅: summary table in the log, figures as outputs', async () => {
    const { r, result } = run({
      url: `${base}/ok`,
      requests: 300,
      connections: 4,
      thresholds: { p95: '2s', errors: '0%' },
    });
    const res = await result;
    expect(res.summary).toMatch(/^300 requests, [\d.]+\/s, p95 .+, errors 0\.00%$/);
    expect(res.status).toBe('passed');
    expect(r.outputs.requests).toBe('300');
    expect(r.outputs.errors).toBe('0');
    expect(r.outputs.statuses).toBe('200:300');
    expect(Number(r.outputs.p95)).toBeGreaterThan(0);
    const log = r.logs.join('');
    expect(log).toMatch(/target\s+requests\s+rps\s+p50\s+p95\s+p99\s+max\s+errors/);
    expect(log).toContain('status codes: 200 × 300');
  });

  test('fails on the error rate, naming the statuses (every 10th request is a 500) ❌', async () => {
    const { r, result } = run({
      url: `${base}/flaky`,
      requests: 200,
      connections: 2,
      thresholds: { errors: '1%' },
    });
    const res = await result;
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/errors 10\.00% > 1% \(500 × 20\)/);
    expect(r.outputs['error-rate']).toBe('10.00');
    expect(r.logs.join('')).toContain('status codes: 200 × 180, 500 × 20');
  });

  test('fails on p95 when the route is slower than the threshold ❌', async () => {
    const { result } = run({
      url: `${base}/slow`,
      requests: 40,
      connections: 4,
      thresholds: { p95: '20ms' },
    });
    const res = await result;
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/p95 \d+ms > 20ms/);
  });

  test('several targets with method, headers and a JSON body; the rate is respected as a cap', async () => {
    const { r, result } = run({
      targets: [{ url: `${base}/ok` }, { url: `${base}/echo`, method: 'POST', body: { q: 1 } }],
      requests: 100,
      connections: 4,
      rate: '1000/s',
      thresholds: { errors: '0%' },
    });
    const res = await result;
    expect(res.status).toBe('passed');
    const log = r.logs.join('');
    expect(log).toMatch(new RegExp(`GET ${base}/ok\\s+50`));
    expect(log).toMatch(new RegExp(`POST ${base}/echo\\s+50`));
  });

  test('a server that is down is ❌ with the connection error, never a pass', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const { result } = run({
      url: `http://127.0.0.1:${port}/`,
      duration: '1s',
      connections: 1,
      thresholds: { errors: '100%' },
    });
    const res = await result;
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/no response at all \(ECONNREFUSED × \d+\)/);
  });

  test('cancel stops the load at once (the step ends with the partial summary; the server sees no more requests)', async () => {
    const ac = new AbortController();
    const { result } = run({ url: `${base}/ok`, duration: '10m', connections: 2 }, ac.signal);
    const started = hits;
    while (hits < started + 50) await new Promise((r) => setTimeout(r, 5));
    ac.abort(new Error('cancelled by user'));
    await expect(result).resolves.toMatchObject({ summary: expect.stringMatching(/^cancelled after /) });
    // autocannon closes its sockets at its next sample (every 100 ms here).
    await new Promise((r) => setTimeout(r, 250));
    const after = hits;
    await new Promise((r) => setTimeout(r, 300));
    expect(hits).toBe(after);
  });

  test('the plan refuses unbounded and absurd runs', () => {
    expect(planOf({ url: `${base}/` })).toMatch(/unbounded/);
    expect(planOf({ url: `${base}/`, duration: '2h' })).toMatch(/over the cap of 1h/);
    expect(planOf({ url: `${base}/`, requests: 10, rate: '99999/s' })).toMatch(/outside 1\/s/);
    expect(parseRate('600/m')).toBe(10);
    expect(parseRate('50/s')).toBe(50);
  });

  test('histogram percentiles are within 1 % of the true values', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.percentile(50)! / 500).toBeCloseTo(1, 1);
    expect(h.percentile(95)! / 950).toBeGreaterThanOrEqual(1);
    expect(h.percentile(95)! / 950).toBeLessThanOrEqual(1.01);
    expect(h.percentile(100)).toBe(1000);
  });
});

describe('load-test scaled: against the local AWS endpoint', () => {
  let fake: FakeAws;
  let clients: AwsClients;
  beforeAll(async () => {
    fake = await startFakeAws({ state: new FakeAwsState() });
    clients = testClients(fake.url);
  });
  afterAll(async () => {
    clients?.destroy();
    await fake?.close();
  });
  const services = () => ({ aws: clients, config: testConfig('/tmp', { aws: { endpoint: fake.url } }) });

  test('ECS desired count raised during the load ✅', async () => {
    const svc = fake.state.addService({ cluster: 'prod', service: 'api', desired: 2 });
    let n = 0;
    onScaleHit = () => {
      if (++n === 100) svc.desiredCount = 4; // the auto scaler acts under load
    };
    const { r, result } = run(
      {
        url: `${base}/scale`,
        requests: 200,
        connections: 2,
        scaled: { ecs: { cluster: 'prod', service: 'api' } },
      },
      undefined,
      services(),
    );
    const res = await result;
    onScaleHit = undefined;
    expect(res.status).toBe('passed');
    expect(r.logs.join('')).toContain('ECS prod/api desired count scaled: 2 → 4');
  });

  test('a service that never scales is ❌ saying so', async () => {
    fake.state.addService({ cluster: 'prod', service: 'flat', desired: 2 });
    const { result } = run(
      {
        url: `${base}/ok`,
        requests: 50,
        connections: 2,
        scaled: { ecs: { cluster: 'prod', service: 'flat' }, within: '50ms', interval: '10ms' },
      },
      undefined,
      services(),
    );
    const res = await result;
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('ECS prod/flat desired count did not scale: 2 before, at most 2');
  });

  test('Lambda provisioned concurrency; a denied read names the IAM action', async () => {
    const fn = fake.state.lambda.addFunction('scaler');
    fn.versions.push({ ...fn, version: '1', revisionId: 'r' });
    fn.aliases.set('live', { name: 'live', version: '1', revisionId: 'r' });
    fn.provisioned.set('live', 5);
    fake.state.faults.push({ op: 'GetProvisionedConcurrencyConfig', kind: 'denied', times: 1 });
    const { result } = run(
      {
        url: `${base}/ok`,
        requests: 10,
        connections: 1,
        scaled: { lambda: { function: 'scaler', qualifier: 'live' } },
      },
      undefined,
      services(),
    );
    const res = await result;
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('allow the IAM action lambda:GetProvisionedConcurrencyConfig');
    let n = 0;
    onScaleHit = () => {
      if (++n === 20) fn.provisioned.set('live', 8);
    };
    const ok = run(
      {
        url: `${base}/scale`,
        requests: 60,
        connections: 1,
        scaled: { lambda: { function: 'scaler', qualifier: 'live' }, 'at-least': 8 },
      },
      undefined,
      services(),
    );
    const res2 = await ok.result;
    onScaleHit = undefined;
    expect(res2.summary).toBeDefined();
    expect(res2.status).toBe('passed');
  });
});

describe('load-test in offload.yml', () => {
  test('an unbounded load test is refused at validate with file:line:column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-load-'));
    const file = path.join(dir, 'offload.yml');
    fs.writeFileSync(
      file,
      [
        'name: demo',
        'phases:',
        '  local:',
        '    steps:',
        '      - run: npm test',
        '  aws-test:',
        '    steps:',
        '      - load-test:',
        '          url: https://api.example.com/',
        '          rate: 50/s',
        '',
      ].join('\n'),
    );
    try {
      loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as ConfigError).message;
      expect(msg).toContain(`${file}:9:`);
      expect(msg).toContain('`duration`');
      expect(msg).toContain('`requests`');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bounded one validates; an absurd count is refused with its position', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-load-'));
    const file = path.join(dir, 'offload.yml');
    const yml = (bound: string) =>
      [
        'name: demo',
        'phases:',
        '  local:',
        '    steps:',
        '      - run: npm test',
        '  aws-test:',
        '    steps:',
        '      - load-test:',
        '          url: https://api.example.com/',
        `          ${bound}`,
        '',
      ].join('\n');
    try {
      fs.writeFileSync(file, yml('duration: 30s'));
      expect(() => loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS })).not.toThrow();
      fs.writeFileSync(file, yml('requests: 50000000'));
      expect(() => loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS })).toThrow(
        new RegExp(
          `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:\\d+: .*requests: expected at most 1000000`,
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
