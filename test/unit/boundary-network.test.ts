/**
 * The network boundary on its own: what projectEffects fills in, sends and builds under each trust, against a
 * real HTTP server on 127.0.0.1 and the real SDK (no request is stubbed).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAwsConfig } from '../../main/core/aws/config';
import {
  carriedSecret,
  EffectRefused,
  projectEffects,
  stepEffects,
  UNTRUSTED_AWS_ENDPOINT,
} from '../../main/core/boundary';

const USER_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDBOUNDARYTEST',
  AWS_SECRET_ACCESS_KEY: 'boundary-test-secret-value',
  GITHUB_TOKEN: 'ghp_boundaryTestToken0000',
  DB_URL: 'postgres://user:hunter22@db',
  HOME: '/home/someone',
};
const PROJECT = { name: 'demo', dir: '/work/demo', env: { API_URL: 'http://127.0.0.1:9', TOKEN_HINT: 'x' } };

describe('interpolate', () => {
  const untrusted = projectEffects({ trusted: false, env: USER_ENV, project: PROJECT });
  const trusted = projectEffects({ trusted: true, env: USER_ENV, project: PROJECT });

  it('untrusted: a reference to the user environment is refused, naming it and never its value', () => {
    let err: unknown;
    try {
      untrusted.interpolate('https://x.example/?k=${{ env.AWS_SECRET_ACCESS_KEY }}', 'gate endpoint api');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EffectRefused);
    expect((err as Error).message).toBe(
      'gate endpoint api: ${{ env.AWS_SECRET_ACCESS_KEY }} is not filled in: the project is not trusted, so nothing from your environment leaves this machine (trust it with `offload trust` to use it)',
    );
    expect((err as Error).message).not.toContain(USER_ENV.AWS_SECRET_ACCESS_KEY);
  });

  it('untrusted: a secret is refused even when the project declares an env var of that name', () => {
    expect(() => untrusted.interpolate('${{ secrets.TOKEN_HINT }}', 'health check')).toThrow(
      /health check: \$\{\{ secrets\.TOKEN_HINT \}\} is not filled in: .*no secret leaves/,
    );
  });

  it("untrusted: the project's own env values, project.* and plain text are filled in", () => {
    expect(untrusted.interpolate('${{ env.API_URL }}/health/${{ project.name }}', 'x')).toBe(
      'http://127.0.0.1:9/health/demo',
    );
    expect(untrusted.interpolate('http://plain/', 'x')).toBe('http://plain/');
  });

  it('trusted: the user environment and secrets are filled in as today; the project env wins', () => {
    expect(
      trusted.interpolate('?k=${{ env.AWS_SECRET_ACCESS_KEY }}&g=${{ secrets.GITHUB_TOKEN }}', 'x'),
    ).toBe(`?k=${USER_ENV.AWS_SECRET_ACCESS_KEY}&g=${USER_ENV.GITHUB_TOKEN}`);
    expect(trusted.interpolate('${{ env.API_URL }}', 'x')).toBe(PROJECT.env.API_URL);
  });

  it('an unset variable is the interpolation error it always was', () => {
    expect(() => trusted.interpolate('${{ env.NOT_SET_ANYWHERE }}', 'x')).toThrow(
      /NOT_SET_ANYWHERE is not set/,
    );
  });

  it('a trust given later counts at the next effect (the trust is asked each time)', () => {
    let now = false;
    const fx = projectEffects({ trusted: () => now, env: USER_ENV, project: PROJECT });
    expect(() => fx.interpolate('${{ env.GITHUB_TOKEN }}', 'x')).toThrow(EffectRefused);
    now = true;
    expect(fx.interpolate('${{ env.GITHUB_TOKEN }}', 'x')).toBe(USER_ENV.GITHUB_TOKEN);
    expect(fx.trusted).toBe(true);
  });
});

describe('request', () => {
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${JSON.stringify(req.headers)}`);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('untrusted: a URL or header carrying a user secret (plain or URL-encoded) is never sent', async () => {
    const fx = projectEffects({ trusted: false, env: USER_ENV, project: PROJECT });
    seen.length = 0;
    await expect(fx.request(`${base}/h?t=${USER_ENV.GITHUB_TOKEN}`)).rejects.toThrow(
      /a request to 127\.0\.0\.1:\d+ would carry GITHUB_TOKEN from your environment; an untrusted project sends none/,
    );
    await expect(fx.request(`${base}/h?d=${encodeURIComponent(USER_ENV.DB_URL)}`)).rejects.toThrow(
      EffectRefused,
    );
    await expect(
      fx.request(`${base}/h`, { headers: { 'x-key': USER_ENV.AWS_SECRET_ACCESS_KEY } }),
    ).rejects.toThrow(/AWS_SECRET_ACCESS_KEY/);
    expect(seen).toEqual([]);
  });

  it("untrusted: a plain URL is observed; the project's own values and harmless variables pass", async () => {
    const fx = projectEffects({
      trusted: false,
      env: { ...USER_ENV, API_URL: PROJECT.env.API_URL },
      project: PROJECT,
    });
    seen.length = 0;
    const res = await fx.request(`${base}/h/home/someone`);
    expect(await res.text()).toBe('ok');
    expect(seen).toHaveLength(1);
  });

  it('trusted: the request goes out as the project wrote it', async () => {
    const fx = projectEffects({ trusted: true, env: USER_ENV, project: PROJECT });
    seen.length = 0;
    const res = await fx.request(`${base}/h?t=${USER_ENV.GITHUB_TOKEN}`);
    expect(res.status).toBe(200);
    expect(seen[0]).toContain(USER_ENV.GITHUB_TOKEN);
  });

  it('carriedSecret: secret-looking names and declared secrets, at least 8 characters', () => {
    expect(carriedSecret('x /home/someone y', USER_ENV)).toBeUndefined(); // HOME is not a secret
    expect(carriedSecret('x hunter22 y', { PW: 'hunter22' })).toBeUndefined(); // PW is not a secret-like name…
    expect(carriedSecret('x hunter22 y', { PW: 'hunter22' }, ['PW'])).toBe('PW'); // …unless declared
    expect(carriedSecret('x abc y', { API_TOKEN: 'abc' })).toBeUndefined(); // too short to tell
    expect(
      carriedSecret('x longtoken1 y', { API_TOKEN: 'longtoken1' }, [], { API_TOKEN: 'longtoken1' }),
    ).toBe(undefined); // the project's own value
  });
});

describe('AWS clients', () => {
  const withEndpoint = parseAwsConfig({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' });
  const plain = parseAwsConfig({ region: 'us-east-1' });

  it('untrusted with a project-chosen endpoint: refused, no client is built', () => {
    const fx = projectEffects({ trusted: false, env: USER_ENV, project: PROJECT });
    expect(fx.awsRefusal(withEndpoint)).toBe(UNTRUSTED_AWS_ENDPOINT);
    expect(() => fx.awsClients(withEndpoint, USER_ENV)).toThrow(
      new EffectRefused(
        'aws.endpoint is set by an untrusted project; trust it to use your credentials there',
      ),
    );
  });

  it("untrusted without an endpoint (AWS's own hosts) and trusted with one: clients are built", async () => {
    const untrusted = projectEffects({ trusted: false, env: USER_ENV, project: PROJECT });
    expect(untrusted.awsRefusal(plain)).toBeUndefined();
    untrusted.awsClients(plain, USER_ENV).destroy();
    const trusted = projectEffects({ trusted: true, env: USER_ENV, project: PROJECT });
    expect(trusted.awsRefusal(withEndpoint)).toBeUndefined();
    const c = trusted.awsClients(withEndpoint, USER_ENV);
    expect(await c.ecs.config.credentials()).toMatchObject({ accessKeyId: USER_ENV.AWS_ACCESS_KEY_ID });
    c.destroy();
  });

  it('steps get the effects the composition root handed them, else the trusted set', () => {
    const handed = projectEffects({ trusted: false, env: USER_ENV, project: PROJECT });
    expect(stepEffects({ effects: handed })).toBe(handed);
    expect(stepEffects({}).trusted).toBe(true);
  });
});
