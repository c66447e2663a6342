/**
 * An untrusted project's gate contacts nothing the project names: a request to its endpoint would tell that
 * host the repository was opened. A counting server on 127.0.0.1 stands in for that host; `offload aws status`
 * and `offload watch` (the built CLI) send it nothing and say the gate is unknown until `offload trust`; trusted,
 * the same commands request it and read ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffload } from '../../main/core/offload';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { startFakeAws } from '../fixtures/aws-endpoint/server';
import { collect, makeProject, runCli, startCli, tempDataDir } from '../helpers/cli';

describe('an untrusted project: its gate endpoints are not requested', () => {
  let server: http.Server;
  let url: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/who-opened-me`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const project = () =>
    makeProject(`name: tattler
gate:
  endpoints: [{ name: api, url: "${url}", body: ok }]
  consecutive-passes: 1
  interval: 1s
notify:
  desktop: false
`);

  /** `offload watch` until its gate line matches `until` and one more poll interval has passed. */
  const watchUntil = async (dir: string, data: string, until: RegExp): Promise<string> => {
    const child = startCli(['watch', '--no-desktop', '--data-dir', data], { cwd: dir, untrusted: true });
    let out = '';
    const seen = new Promise<void>((resolve) => {
      child.stdout?.on('data', (d) => {
        out += d;
        if (until.test(out)) resolve();
      });
    });
    const done = collect(child, 20_000);
    await Promise.race([seen, done]);
    await new Promise((r) => setTimeout(r, 1500)); // another round at `interval: 1s`
    child.kill('SIGINT');
    const r = await done;
    return out + r.stdout + r.stderr;
  };

  it('aws status and watch: no request while untrusted, unknown naming offload trust; trusted, requested', async () => {
    const dir = project();
    const data = tempDataDir();
    hits.length = 0;
    const status = await runCli(['aws', 'status', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(status.stdout).toMatch(/AWS unknown — not checked: this project is not trusted.*`offload trust`/);
    expect(status.stdout).not.toMatch(/AWS ready/);
    expect(status.code).toBe(1);
    const json = await runCli(['aws', 'status', '--json', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(JSON.parse(json.stdout)).toMatchObject({ gate: 'unknown', endpoints: [{ status: 'pending' }] });

    const watched = await watchUntil(dir, data, /\[gate\] unknown/);
    expect(watched).toMatch(/\[gate\] unknown — not checked: this project is not trusted/);
    expect(watched).not.toMatch(/\[gate\] ready/);
    expect(hits).toEqual([]);

    expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: dir, untrusted: true })).code).toBe(
      0,
    );
    const trusted = await runCli(['aws', 'status', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(trusted.stdout).toMatch(/AWS ready/);
    expect(hits).toEqual(['/who-opened-me']);
    expect(await watchUntil(dir, data, /\[gate\] ready/)).toMatch(/\[gate\] ready/);
    expect(hits.length).toBeGreaterThan(1);
  }, 60_000);
});

describe('an untrusted project: the error context asks AWS nothing it names', () => {
  it('no ECS or CloudWatch Logs call with the user’s credentials until it is trusted', async () => {
    const fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    const dir = makeProject(`name: context
gate: { services: [{ cluster: dev, service: api }], interval: 1s }
notify:
  desktop: false
  log-groups: [{ name: /ecs/api }]
`);
    // No aws.endpoint in the project: the user's own AWS (here AWS_ENDPOINT_URL, as a user's shell may set it).
    // The SDK reads AWS_ENDPOINT_URL from the process's own environment.
    const before = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = fake.url;
    const env = { ...process.env, ...TEST_ENV, AWS_MAX_ATTEMPTS: '1' };
    const core = await createOffload({ projectDir: dir, dataDir: tempDataDir(), env, watch: false });
    try {
      const untrusted = await core.errorContext();
      expect(fake.state.count()).toBe(0);
      expect(untrusted).toContain('context');
      await core.trustProject();
      await core.errorContext();
      expect(fake.state.count()).toBeGreaterThan(0);
    } finally {
      await core.dispose();
      await fake.close();
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = before;
    }
  }, 30_000);
});
