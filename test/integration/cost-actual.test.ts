/**
 * `offload cost`: the actual cost from Cost Explorer through the built CLI — against moto, which serves the
 * results it is given (POST /moto-api/static/ce/cost-and-usage-results), and against a real 127.0.0.1 server
 * answering in Cost Explorer's JSON 1.1 shape (what the request says, the hour's cache, and the refusals AWS
 * gives: not enabled, denied, no data).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { actualCost, costPeriod } from '../../main/core/aws/cost-actual';
import { runCli } from '../helpers/cli';
import { testClients, TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';

const yaml = (endpoint: string) => `name: chatbot
aws:
  endpoint: ${endpoint}
  region: eu-west-1
workflows:
  full: [local]
phases:
  local:
    steps:
      - name: Build
        run: echo built
`;

/** One day of a GetCostAndUsage answer grouped by SERVICE. */
const dayResult = (date: string, groups: [string, string][], estimated = false) => {
  const next = new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
  return {
    TimePeriod: { Start: date, End: next },
    Total: {},
    Groups: groups.map(([service, amount]) => ({
      Keys: [service],
      Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
    })),
    Estimated: estimated,
  };
};

let dir: string;
let home: string;
const cli = (args: string[]) =>
  runCli(['cost', ...args], { cwd: dir, env: { ...TEST_ENV, OFFLOAD_HOME: home }, timeoutMs: 20_000 });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-'));
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-home-'));
  return () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  };
});

const moto = motoAvailable();

describe.skipIf(!moto.ok)(`offload cost against moto's Cost Explorer (${moto.why})`, () => {
  let server: MotoServer;
  beforeAll(async () => {
    server = await startMoto();
  }, 60_000);
  afterAll(async () => server?.close());

  test('per day and per service, labelled as delayed, as text and as --json; the second ask comes from the cache', async () => {
    await server.reset();
    const { start } = costPeriod(Date.now(), 2);
    const second = new Date(Date.parse(start) + 86_400_000).toISOString().slice(0, 10);
    const res = await fetch(`${server.url}/moto-api/static/ce/cost-and-usage-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        results: [
          {
            ResultsByTime: [
              dayResult(start, [
                ['Amazon Elastic Container Service', '1.0012'],
                ['AWS Lambda', '0.2'],
              ]),
              dayResult(second, [['Amazon Elastic Container Service', '0.95']], true),
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(201);
    fs.writeFileSync(path.join(dir, 'offload.yml'), yaml(server.url));

    const text = await cli(['--days', '2']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const label = (d: string) => `${month[Number(d.slice(5, 7)) - 1]} ${Number(d.slice(8, 10))}`;
    expect(text.stdout.split('\n').slice(0, 3)).toEqual([
      `Actual (Cost Explorer, delayed ≤24 h) for offload:project=chatbot: ${label(start)} $1.20 · ${label(second)} $0.95* … total $2.15`,
      'by service: Amazon Elastic Container Service $1.95, AWS Lambda $0.20',
      '* estimated by AWS: may still change',
    ]);
    expect(text.stdout).toContain('$0.01 per request');

    const json = await cli(['--days', '2', '--json']);
    expect(json.code).toBe(0);
    const c = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(c).toMatchObject({
      label: 'actual, delayed up to 24 h (Cost Explorer)',
      project: 'chatbot',
      tag: { key: 'offload:project', value: 'chatbot' },
      days: 2,
      total: 2.15,
      source: 'cache',
      daily: [
        { date: start, usd: 1.2, estimated: false },
        { date: second, usd: 0.95, estimated: true },
      ],
      services: [
        { service: 'Amazon Elastic Container Service', usd: 1.95 },
        { service: 'AWS Lambda', usd: 0.2 },
      ],
    });
    expect(c.problem).toBeUndefined();
  }, 40_000);
});

describe('Cost Explorer over a real 127.0.0.1 server in its JSON 1.1 shape', () => {
  let server: http.Server;
  let url: string;
  let answer: { status: number; body: unknown };
  const requests: { target: string; auth: string; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests.push({
          target: String(req.headers['x-amz-target']),
          auth: String(req.headers.authorization),
          body: JSON.parse(body) as Record<string, unknown>,
        });
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => void (requests.length = 0));

  const ask = (o: { now?: number; days?: number } = {}) => {
    const clients = testClients(url, { maxAttempts: 1 });
    return actualCost({
      dataDir: home,
      project: 'chatbot',
      now: o.now ?? Date.parse('2026-12-07T09:00:00Z'),
      days: o.days,
      client: () => clients.costExplorer,
    }).finally(() => clients.destroy());
  };

  test('asks for the project tag, DAILY UnblendedCost by SERVICE, in us-east-1; the answer is reused for an hour', async () => {
    answer = { status: 200, body: { ResultsByTime: [dayResult('2026-11-30', [['AWS Lambda', '0.5']])] } };
    const first = await ask();
    expect(first.source).toBe('cost-explorer');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.target).toBe('AWSInsightsIndexService.GetCostAndUsage');
    expect(requests[0]!.auth).toContain('/us-east-1/ce/aws4_request');
    expect(requests[0]!.body).toEqual({
      TimePeriod: { Start: '2026-11-30', End: '2026-12-07' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      Filter: { Tags: { Key: 'offload:project', Values: ['chatbot'], MatchOptions: ['EQUALS'] } },
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    });
    const cached = await ask({ now: Date.parse('2026-12-07T09:59:00Z') });
    expect(cached).toMatchObject({ source: 'cache', total: 0.5 });
    expect(requests).toHaveLength(1);
    const later = await ask({ now: Date.parse('2026-12-07T10:01:00Z') });
    expect(later.source).toBe('cost-explorer');
    expect(requests).toHaveLength(2);
  });

  test('nothing tagged: zero, with a note that the tag must be activated for cost allocation', async () => {
    answer = { status: 200, body: { ResultsByTime: [dayResult('2026-12-06', [])] } };
    const c = await ask({ days: 1 });
    expect(c.total).toBe(0);
    expect(c.note).toMatch(
      /^no cost is tagged offload:project=chatbot in this period: the tag must be activated/,
    );
  });

  test.each([
    [
      'AccessDeniedException',
      'User not enabled for cost explorer access',
      'Cost Explorer is not enabled for this account: User not enabled for cost explorer access.',
    ],
    [
      'AccessDeniedException',
      'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ce:GetCostAndUsage',
      'AccessDenied on ce:GetCostAndUsage: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ce:GetCostAndUsage.',
    ],
    [
      'DataUnavailableException',
      'Data is not available. Please try to adjust the time period.',
      'Cost Explorer has no data for this account yet: Data is not available.',
    ],
  ])('%s (%s) is said plainly, never thrown', async (type, message, said) => {
    answer = { status: 400, body: { __type: type, Message: message } };
    const c = await ask();
    expect(c.source).toBe('none');
    expect(c.problem?.startsWith(said)).toBe(true);
  });

  test('through the CLI: a Cost Explorer that is not enabled is one line and exit 1', async () => {
    answer = {
      status: 400,
      body: { __type: 'AccessDeniedException', Message: 'User not enabled for cost explorer access' },
    };
    fs.writeFileSync(path.join(dir, 'offload.yml'), yaml(url));
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^Actual \(Cost Explorer, delayed ≤24 h\) for offload:project=chatbot: not available — Cost Explorer is not enabled for this account: User not enabled for cost explorer access\. Enable it/,
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const bad = await cli(['--days', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--days must be a whole number from 1 to 90, got 0');
  }, 30_000);

  test('an untrusted project that names its own endpoint gets no credentials: refused in words, nothing asked', async () => {
    fs.writeFileSync(path.join(dir, 'offload.yml'), yaml(url));
    const r = await runCli(['cost'], {
      cwd: dir,
      env: { ...TEST_ENV, OFFLOAD_HOME: home },
      untrusted: true,
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'not available — Cost Explorer was not asked: aws.endpoint is set by an untrusted project; trust it to use your credentials there',
    );
    expect(requests).toHaveLength(0);
  }, 30_000);
});
