/**
 * An untrusted repository must not take the user's credentials just by being opened. A recording server on
 * 127.0.0.1 stands in for the host the repository names (its gate endpoint and its `aws.endpoint`) and passes
 * each request on to the local AWS endpoint. Opened the ways a user opens a project — `offload aws status`
 * (the real CLI) and the core as `offload watch` and the tray open it — it receives no value of the user's
 * environment and no signed request; after `offload trust --yes` the same project works as before.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOffload, type Offload } from '../../main/core/offload';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { makeProject, runCli, tempDataDir, waitFor } from '../helpers/cli';

/** What a request carried: its target and every header, and its body. */
interface Recorded {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The user's secrets: none of these may reach a host an untrusted project names. */
const USER_ENV = {
  ...TEST_ENV,
  AWS_SESSION_TOKEN: 'offload-test-session-token-4e7a',
  GITHUB_TOKEN: 'ghp_offloadTestToken000000000000000000',
};
const SECRET_VALUES = [
  USER_ENV.AWS_ACCESS_KEY_ID,
  USER_ENV.AWS_SECRET_ACCESS_KEY,
  USER_ENV.AWS_SESSION_TOKEN,
  USER_ENV.GITHUB_TOKEN,
];
const SIGNED = ['authorization', 'x-amz-security-token', 'x-amz-date'];
const REFUSED_ENDPOINT =
  'aws.endpoint is set by an untrusted project; trust it to use your credentials there';

describe('the boundary: an untrusted project sends no credentials to the hosts it names', () => {
  let fake: FakeAws;
  let recorder: http.Server;
  let url: string;
  const seen: Recorded[] = [];

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    fake.state.health.set('/health', { status: 200, body: 'ok' });
    const upstream = new URL(fake.url);
    recorder = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
        const fwd = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        fwd.on('error', () => res.destroy());
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    recorder.closeAllConnections();
    await new Promise<void>((r) => recorder.close(() => r()));
    await fake.close();
  });
  afterEach(() => {
    seen.length = 0;
  });

  const project = () =>
    makeProject(`name: leaky
aws:
  endpoint: ${url}
  region: us-east-1
gate:
  services: [{ cluster: dev, service: api }]
  endpoints:
    - { name: leak, url: "${url}/health?k=\${{ env.AWS_SECRET_ACCESS_KEY }}&g=\${{ env.GITHUB_TOKEN }}", body: ok }
    - { name: plain, url: "${url}/health", body: ok }
  consecutive-passes: 1
  interval: 1s
notify:
  desktop: false
`);

  /** Every secret value or signing header the recording server received, as readable findings. */
  const leaks = () =>
    seen.flatMap((r) => {
      const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
      return [
        ...SECRET_VALUES.filter((v) => text.includes(v) || text.includes(encodeURIComponent(v))).map(
          (v) => `${r.url}: carries ${v.slice(0, 6)}…`,
        ),
        ...SIGNED.filter((h) => r.headers[h] !== undefined).map((h) => `${r.url}: header ${h}`),
      ];
    });

  it('offload aws status: untrusted, nothing leaves; after offload trust --yes, signed requests reach it', async () => {
    const dir = project();
    const data = tempDataDir();
    const env = { ...USER_ENV, HOME: data };
    const r = await runCli(['aws', 'status', '--data-dir', data], { cwd: dir, env, untrusted: true });
    expect(leaks()).toEqual([]);
    // Nothing at all: not even the plain endpoint learns that the project was opened.
    expect(seen.map((s) => s.url)).toEqual([]);
    expect(r.stdout).toMatch(/AWS unknown — not checked: this project is not trusted.*`offload trust`/);
    expect(r.code).not.toBe(0);

    const t = await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir, env, untrusted: true });
    expect(t.code).toBe(0);
    seen.length = 0;
    const ok = await runCli(['aws', 'status', '--data-dir', data], { cwd: dir, env, untrusted: true });
    expect(ok.stderr).not.toContain(REFUSED_ENDPOINT);
    expect(ok.code).toBe(0);
    const signed = seen.filter((s) => s.headers['x-amz-target']);
    expect(signed.length).toBeGreaterThan(0);
    expect(String(signed[0]!.headers.authorization)).toContain(`Credential=${USER_ENV.AWS_ACCESS_KEY_ID}/`);
    expect(signed[0]!.headers['x-amz-security-token']).toBe(USER_ENV.AWS_SESSION_TOKEN);
    // Trusted, the endpoint URL is filled in from the environment as the project asks.
    expect(
      seen.some(
        (s) =>
          s.url.includes(encodeURIComponent(USER_ENV.GITHUB_TOKEN)) || s.url.includes(USER_ENV.GITHUB_TOKEN),
      ),
    ).toBe(true);
  }, 60_000);

  describe('the core as offload watch opens it', () => {
    let core: Offload | undefined;
    afterEach(async () => {
      await core?.dispose();
      core = undefined;
    });

    it('untrusted: the gate says why it is unknown and no secret leaves; trusted: it polls signed', async () => {
      const dir = project();
      const data = tempDataDir();
      core = await createOffload({
        projectDir: dir,
        dataDir: data,
        env: { ...process.env, ...USER_ENV, HOME: data },
        watch: true,
        log: () => undefined,
      });
      await waitFor(() => Boolean(core!.state().aws?.checkedAt), 10_000);
      const aws = core.state().aws!;
      expect(aws.gate).toBe('unknown');
      expect(aws.reason).toMatch(/not checked: this project is not trusted.*`offload trust`/);
      expect(aws.endpoints.find((e) => e.name === 'leak')).toMatchObject({
        status: 'pending',
        lastResult: 'not requested (untrusted)',
      });
      expect(JSON.stringify(aws)).not.toContain(USER_ENV.AWS_SECRET_ACCESS_KEY);
      expect(leaks()).toEqual([]);
      expect(seen.map((s) => s.url)).toEqual([]);

      await core.trustProject();
      seen.length = 0;
      await waitFor(() => core!.state().aws?.gate === 'ready', 10_000);
      const signed = seen.filter((s) => s.headers['x-amz-target']);
      expect(signed.length).toBeGreaterThan(0);
      expect(String(signed[0]!.headers.authorization)).toContain(`Credential=${USER_ENV.AWS_ACCESS_KEY_ID}/`);
      expect(signed[0]!.headers['x-amz-security-token']).toBe(USER_ENV.AWS_SESSION_TOKEN);
    }, 30_000);
  });
});
