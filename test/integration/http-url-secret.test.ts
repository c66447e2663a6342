/**
 * A secret in an `http` step's URL (`?key=${{ secrets.X }}`) as the URL parser sends it: a space becomes %20
 * while `/ & + ?` stay, so neither the raw value nor its encodeURIComponent form is what the log would show;
 * a `#` ends what is sent, and fetch's answer then names the URL without it. A real server on 127.0.0.1, the
 * real CLI, and the step's log file read back.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

describe('http step: a secret in the URL', () => {
  const paths: string[] = [];
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  /** `offload run local` of one http step carrying the secret; its output and every log file it wrote. */
  const run = async (secret: string) => {
    paths.length = 0;
    const dir = makeProject(`name: url-secret
secrets: [URL_TEST_SECRET]
phases:
  local:
    steps:
      - name: check
        http: { url: "http://127.0.0.1:${port}/x?s=\${{ env.URL_TEST_SECRET }}" }
`);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], {
      cwd: dir,
      env: { URL_TEST_SECRET: secret },
    });
    const logs = (fs.readdirSync(data, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.log') || f.endsWith('.jsonl'))
      .map((f) => fs.readFileSync(path.join(data, f), 'utf8'))
      .join('\n');
    return { ...r, shown: `${r.stdout}\n${r.stderr}\n${logs}` };
  };

  it('a space with / & + in it: the form the URL sends is masked in the output and the history', async () => {
    for (const secret of ['abc def/x', 'secret value/with+plus&x=1']) {
      const r = await run(secret);
      expect(r.code, r.stderr).toBe(0);
      const sent = paths[0]!.slice('/x?s='.length);
      expect(sent).toContain('%20'); // the form this test is about reached the server
      expect([secret, r.shown.includes(sent)]).toEqual([secret, false]);
      expect(r.shown).toContain('/x?s=***');
    }
  });

  it('a # in it: no "redirected to" naming what was sent before it, and that part is masked', async () => {
    const r = await run('abcdef#frag123');
    expect(r.code, r.stderr).toBe(0);
    expect(paths).toEqual(['/x?s=abcdef']);
    expect(r.shown).not.toContain('redirected to');
    expect(r.shown).not.toContain('abcdef');
  });
});
