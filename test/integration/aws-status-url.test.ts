/**
 * `offload aws status --json` shows each gate endpoint's URL as it was requested (issue 17, item 8): trusted,
 * `${{ … }}` filled in with every secret and secret-like variable as `***`; untrusted, as written (nothing from
 * the user's environment was filled in or sent). The real CLI against a real HTTP server on 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const TOKEN = 'tok-4f9a8c1e77d2';
const SVC_KEY = 'svc-key-0b3e5a9d61';
const RAW =
  '${{ env.HEALTH_BASE }}/health/${{ project.name }}?token=${{ env.API_TOKEN }}&key=${{ secrets.SVC_KEY }}';

describe('aws status --json: endpoint URLs as requested, secrets masked', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const setup = () => {
    const dir = makeProject(
      `name: url-shown\nsecrets: [SVC_KEY]\nnotify: { desktop: false }\nphases:\n  local: { steps: [{ run: "true" }] }\n` +
        `gate:\n  endpoints: [{ name: health, url: "${RAW}" }]\n`,
    );
    const data = tempDataDir();
    dirs.push(dir, data);
    const env = { OFFLOAD_HOME: data, HOME: data, HEALTH_BASE: base, API_TOKEN: TOKEN, SVC_KEY };
    return { dir, env };
  };

  it('trusted: the URL filled in, the token and the declared secret shown as ***, the real ones sent', async () => {
    const { dir, env } = setup();
    const r = await runCli(['aws', 'status', '--json'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    const snap = JSON.parse(r.stdout) as { endpoints: { url: string; status: string }[] };
    expect(snap.endpoints[0]).toMatchObject({
      url: `${base}/health/url-shown?token=***&key=***`,
      status: 'passed',
    });
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(SVC_KEY);
    expect(seen).toContain(`/health/url-shown?token=${TOKEN}&key=${SVC_KEY}`);
  });

  it('untrusted: the URL as written (nothing filled in, nothing sent)', async () => {
    const { dir, env } = setup();
    const before = seen.length;
    const r = await runCli(['aws', 'status', '--json'], { cwd: dir, env, untrusted: true });
    const snap = JSON.parse(r.stdout) as { endpoints: { url: string; status: string }[] };
    expect(snap.endpoints[0]).toMatchObject({ url: RAW, status: 'pending' });
    expect(r.stdout).not.toContain(TOKEN);
    expect(seen.length).toBe(before);
  });
});
