/**
 * load-test reports the rate the server saw (issue 16: a 100/s test reported 105.6/s and a 12 s test ran
 * 12.8 s): the requests a real HTTP server counted, over the real time, match the configured rate; and a
 * Ctrl-C mid-test ends the step at once with the partial summary of what ran until then.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadTestStep } from '../../main/core/load-test/load-test';
import { makeCtx, step } from '../fixtures/aws-endpoint/helpers';

let server: http.Server;
let url: string;
let seen: number[] = [];

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    seen.push(Date.now());
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('20/s for 3 s: the server gets 60 requests and the reported rate is 20/s, not more', async () => {
  seen = [];
  const r = makeCtx({});
  const t0 = Date.now();
  const res = await loadTestStep.execute(
    r.ctx,
    step('load-test', { url, rate: '20/s', duration: '3s', connections: 2 }),
  );
  const wall = Date.now() - t0;
  expect(res.status).toBe('passed');
  expect(seen.length).toBe(60);
  expect(Number(r.outputs.rps)).toBeLessThanOrEqual(20.05);
  // not more than asked; the lower bound only says the rate is about right (a loaded CI machine gave 17.8)
  expect(Number(r.outputs.rps)).toBeGreaterThan(15);
  expect(wall).toBeLessThan(4500);
});

test('Ctrl-C mid-test: ends at once with the partial summary', async () => {
  seen = [];
  const abort = new AbortController();
  const r = makeCtx({}, { signal: abort.signal });
  setTimeout(() => abort.abort(new Error('cancelled')), 1200);
  const t0 = Date.now();
  const res = await loadTestStep.execute(
    r.ctx,
    step('load-test', { url, rate: '50/s', duration: '30s', connections: 2 }),
  );
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(res.summary).toMatch(/^cancelled after 1\.\ds: \d+ requests, [\d.]+\/s, p95 .+, 0 error\(s\)$/);
  const n = Number(/: (\d+) requests/.exec(res.summary ?? '')![1]);
  expect(n).toBeGreaterThan(20);
  expect(n).toBeLessThanOrEqual(seen.length);
  expect(r.logs.join('')).toMatch(/cancelled after 1\.\ds; what ran until then:\n.*requests.*rps/);
});
