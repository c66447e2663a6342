/**
 * The line a failed, retried step ends with says its failure once: the last attempt's summary and `attempt N`,
 * not the summary again with "(after N attempts)" beside it. A real server answering 403 and the real CLI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(403).end('denied'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

it('a step failing on every attempt: its line names the failure once, with the attempt', async () => {
  const dir = makeProject(`name: retried
phases:
  local:
    steps:
      - name: served
        http: { url: "http://127.0.0.1:${port}/x", status: 200 }
        retries: 1
        retry-delay: 10ms
`);
  const r = await runCli(['run', 'local', '--no-color', '--data-dir', tempDataDir()], { cwd: dir });
  expect(r.code).toBe(1);
  const line = r.stdout.split('\n').find((l) => /❌ served {2}\(/.test(l));
  expect(line).toMatch(/^ {3}❌ served {2}\([^,]+, HTTP 403 in \d+ ms \(expected 200\), attempt 2\)$/);
  // the run's own summary still says how many attempts it took
  expect(r.stdout).toMatch(/failed: HTTP 403 in \d+ ms \(expected 200\) \(after 2 attempts\)/);
});
