/**
 * A loopback `aws.endpoint` that refuses connections (LocalStack or moto not started) is no AWS outage: the real
 * CLI against a real closed port of 127.0.0.1 (a server bound there, its port taken, then closed) fails a step
 * with an hour of budget at once, and `offload aws status` and `offload watch` say the endpoint refused, naming
 * it and asking whether LocalStack/moto runs on that port.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';

describe('a loopback aws.endpoint that refuses connections', () => {
  let url: string;
  let dir: string;
  let data: string;
  const env = () => ({ ...TEST_ENV, OFFLOAD_HOME: data, HOME: data });
  const said = () =>
    new RegExp(
      `the endpoint ${url.replace(/[.]/g, '\\.')} \\(aws\\.endpoint\\) refused the connection \\(ECONNREFUSED on ${new URL(url).host.replace(/[.]/g, '\\.')}\\).*Fix: is LocalStack/moto running on that port\\?`,
    );

  beforeAll(async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    dir = makeProject(`name: local-refused
notify: { desktop: false }
aws: { endpoint: "${url}", region: us-east-1 }
gate:
  services: [{ cluster: dev, service: api }]
phases:
  local:
    steps:
      - run: "true"
  aws-test:
    steps:
      - ecs-wait-stable: { cluster: dev, services: [api], timeout: 1h }
workflows:
  check: [local, aws-test]
`);
    data = tempDataDir();
  });
  afterAll(() => {
    for (const d of [dir, data]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('offload run: the step with an hour of budget fails at once, saying so', async () => {
    const started = Date.now();
    const r = await runCli(['run', 'check'], { cwd: dir, env: env(), timeoutMs: 20_000 });
    const ms = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(said());
    expect(r.stdout + r.stderr).not.toMatch(/still waiting|could not reach/);
    expect(ms).toBeLessThan(10_000); // the CLI's start-up included; the step itself took under a second here
  });

  it('offload aws status: unknown, exit 1, the same words', async () => {
    const r = await runCli(['aws', 'status'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^❔ AWS unknown — dev\/api: unknown/);
    expect(r.stdout).toMatch(said());
  });

  it('offload watch: the gate unknown with the reason, not "polling less often"', async () => {
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env: env() });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('[gate] unknown'), 15_000, 'the first round');
      expect(out).toMatch(said());
      expect(out).not.toMatch(/polling less often/);
    } finally {
      child.kill('SIGINT');
    }
    expect((await collect(child)).code).toBe(130);
  });
});
