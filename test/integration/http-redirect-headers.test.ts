/**
 * An `http` step's headers (often `Bearer ${{ secrets.X }}` or an API key from the user's environment) are
 * meant for the URL offload.yml names. That server's redirect to another origin must not take them along:
 * fetch drops only Authorization and Cookie there, so an `X-Api-Key` went to whatever host the answer chose.
 * Two real servers on 127.0.0.1 (two ports: two origins) and the real CLI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const SECRET = 'offload-redirect-secret-7f3a91';

interface Seen {
  port: number;
  path: string;
  headers: http.IncomingHttpHeaders;
}

describe('http step: redirects and the step’s headers', () => {
  const seen: Seen[] = [];
  const servers: http.Server[] = [];
  let named = 0;
  let other = 0;

  const serve = (handle: (req: http.IncomingMessage, res: http.ServerResponse) => void) =>
    new Promise<number>((resolve) => {
      const s = http.createServer((req, res) => {
        seen.push({ port: (s.address() as AddressInfo).port, path: req.url ?? '', headers: req.headers });
        handle(req, res);
      });
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });

  beforeAll(async () => {
    other = await serve((_req, res) => res.end('landed'));
    named = await serve((req, res) => {
      if (req.url === '/away') res.writeHead(302, { location: `http://127.0.0.1:${other}/landed` }).end();
      else if (req.url === '/here') res.writeHead(307, { location: '/ok' }).end();
      else res.end('ok');
    });
  });
  afterAll(() => servers.forEach((s) => s.close()));

  const run = async (pathname: string) => {
    seen.length = 0;
    const dir = makeProject(`name: redirects
secrets: [REDIRECT_TEST_TOKEN]
phases:
  local:
    steps:
      - name: check
        http:
          url: http://127.0.0.1:${named}${pathname}
          headers: { X-Api-Key: "\${{ secrets.REDIRECT_TEST_TOKEN }}", Authorization: "Bearer \${{ env.REDIRECT_TEST_TOKEN }}" }
`);
    const data = tempDataDir();
    return runCli(['run', 'local', '--data-dir', data], {
      cwd: dir,
      env: { REDIRECT_TEST_TOKEN: SECRET },
    });
  };

  it('a redirect to another origin is followed without the headers offload.yml gave the step', async () => {
    const r = await run('/away');
    expect(r.stderr + r.stdout).toContain('passed');
    expect(r.code).toBe(0);
    const first = seen.find((s) => s.port === named);
    expect(first?.headers['x-api-key']).toBe(SECRET);
    const landed = seen.find((s) => s.port === other);
    expect(landed?.path).toBe('/landed');
    expect(JSON.stringify(landed?.headers)).not.toContain(SECRET);
    expect(r.stdout).toContain(`redirected to http://127.0.0.1:${other}/landed`);
  });

  it('a redirect within the origin keeps them', async () => {
    const r = await run('/here');
    expect(r.code).toBe(0);
    expect(seen.map((s) => [s.path, s.headers['x-api-key']])).toEqual([
      ['/here', SECRET],
      ['/ok', SECRET],
    ]);
  });
});
