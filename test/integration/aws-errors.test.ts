/**
 * AWS failures through the real SDK clients and credential chain: expired tokens, throttling past the SDK's
 * retries (and recovery within them), 5xx, slow responses, access denied, no credentials, expired SSO.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAwsClients } from '../../main/core/aws/clients';
import { parseAwsConfig } from '../../main/core/aws/config';
import { explainAwsError } from '../../main/core/aws/errors';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients } from '../fixtures/aws-endpoint/helpers';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
  fake.state.addService({ cluster: 'dev', service: 'api' });
  fake.state.setAlarm('api-5xx', 'OK');
  fake.state.putLogs('/ecs/api', ['ERROR x']);
});
afterAll(async () => fake?.close());

const fail = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
};

describe('service errors over the wire', () => {
  test('expired session token (ECS, CloudWatch with query-compatible errors, Logs)', async () => {
    const c = testClients(fake.url, { env: { AWS_ACCESS_KEY_ID: 'AKIDEXPIRED', AWS_SESSION_TOKEN: 'tok' } });
    fake.state.expiredKeys.add('AKIDEXPIRED');
    try {
      for (const [p, action] of [
        [
          c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })),
          'ecs:DescribeServices',
        ],
        [
          c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['api-5xx'] })),
          'cloudwatch:DescribeAlarms',
        ],
        [c.logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/api' })), 'logs:FilterLogEvents'],
      ] as const) {
        const err = await fail(p);
        const msg = explainAwsError(err, { action, profile: 'team-dev' });
        expect(msg).toContain('the AWS security token has expired');
        expect(msg).toContain('aws sso login --profile team-dev');
        expect(msg).not.toContain('offload-test-secret');
        expect(msg).not.toContain('AKIDEXPIRED');
      }
    } finally {
      c.destroy();
    }
  });

  test('throttling: the SDK retries with back-off and succeeds within its attempts', async () => {
    const c = testClients(fake.url, { maxAttempts: 3 });
    fake.state.faults.push({ op: 'DescribeAlarms', kind: 'throttle', times: 2 });
    const before = fake.state.count('DescribeAlarms');
    try {
      const res = await c.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['api-5xx'] }));
      expect(res.MetricAlarms?.[0]?.StateValue).toBe('OK');
      expect(fake.state.count('DescribeAlarms') - before).toBe(3);
    } finally {
      c.destroy();
    }
  });

  test('throttling past the retries gives the throttling message with the attempt count', async () => {
    const c = testClients(fake.url, { maxAttempts: 2 });
    fake.state.faults.push({ op: 'DescribeServices', kind: 'throttle', times: 2 });
    try {
      const err = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      const msg = explainAwsError(err, { action: 'ecs:DescribeServices' });
      expect(msg).toMatch(/AWS throttled the request \(still throttled after 2 attempts with back-off\)/);
      expect(msg).toContain('poll less often');
    } finally {
      c.destroy();
    }
  });

  test('CloudWatch throttling arrives as the query-compatible code "Throttling"', async () => {
    const c = testClients(fake.url, { maxAttempts: 1 });
    fake.state.faults.push({ op: 'DescribeAlarms', kind: 'throttle', times: 1 });
    try {
      const err = (await fail(c.cloudwatch.send(new DescribeAlarmsCommand({})))) as { name: string };
      expect(err.name).toBe('Throttling');
      expect(explainAwsError(err, { action: 'cloudwatch:DescribeAlarms' })).toContain('throttled');
    } finally {
      c.destroy();
    }
  });

  test('5xx after retries, slow responses past the timeout, access denied naming the IAM action', async () => {
    const c = testClients(fake.url, { maxAttempts: 2, timeout: '300ms' });
    try {
      fake.state.faults.push({ op: 'FilterLogEvents', kind: 'server', times: 2 });
      const e5 = await fail(c.logs.send(new FilterLogEventsCommand({ logGroupName: '/ecs/api' })));
      expect(explainAwsError(e5, { action: 'logs:FilterLogEvents' })).toMatch(
        /server error \(HTTP 503\) after 2 attempts/,
      );

      fake.state.faults.push({ op: 'DescribeServices', kind: 'slow', delayMs: 1500, times: 2 });
      const et = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      expect(explainAwsError(et, { action: 'ecs:DescribeServices' })).toMatch(/timed out/);

      fake.state.faults.push({ op: 'DescribeServices', kind: 'denied', times: 1 });
      const ed = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      expect(explainAwsError(ed, { action: 'ecs-deploy' })).toMatch(
        /access denied\. Fix: allow the IAM action ecs:DescribeServices/,
      );
    } finally {
      c.destroy();
    }
  });

  test('network down: every connection reset before any answer', async () => {
    const down = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const c = createAwsClients(
      parseAwsConfig({
        endpoint: `http://127.0.0.1:${(down.address() as net.AddressInfo).port}`,
        region: 'us-east-1',
        'max-attempts': 1,
      }),
      { AWS_ACCESS_KEY_ID: 'AKIDX', AWS_SECRET_ACCESS_KEY: 's' },
    );
    try {
      const err = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      expect(explainAwsError(err, { action: 'ecs:DescribeServices', region: 'us-east-1' })).toMatch(
        /could not reach AWS in us-east-1 \(ECONNRESET\)/,
      );
    } finally {
      c.destroy();
      await new Promise((resolve) => down.close(resolve));
    }
  });

  test('nothing listening on a loopback endpoint: refused, LocalStack or moto not running', async () => {
    const c = createAwsClients(
      parseAwsConfig({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', 'max-attempts': 1 }),
      { AWS_ACCESS_KEY_ID: 'AKIDX', AWS_SECRET_ACCESS_KEY: 's' },
    );
    try {
      const err = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      // Without the endpoint in the context (AWS_ENDPOINT_URL), the address the connection was refused on.
      expect(explainAwsError(err, { action: 'ecs:DescribeServices', region: 'us-east-1' })).toBe(
        'ecs:DescribeServices failed: the endpoint 127.0.0.1:9 refused the connection (ECONNREFUSED on 127.0.0.1:9): nothing listens on that port of this machine, so this is not an AWS outage to wait out. Fix: is LocalStack/moto running on that port? Start it, or correct aws.endpoint (or AWS_ENDPOINT_URL).',
      );
    } finally {
      c.destroy();
    }
  });
});

describe('credential chain (real providers, isolated HOME and AWS config files)', () => {
  const saved = { ...process.env };
  let home: string;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-awshome-'));
    fs.mkdirSync(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
    fs.writeFileSync(
      path.join(home, '.aws', 'config'),
      [
        '[profile team-sso]',
        'sso_start_url = https://example.awsapps.com/start',
        'sso_region = us-east-1',
        'sso_account_id = 123456789012',
        'sso_role_name = Dev',
        'region = us-east-1',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), '');
    // The legacy SSO cache file is named after the SHA-1 of the start URL; this token expired an hour ago.
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const key = crypto.createHash('sha1').update('https://example.awsapps.com/start').digest('hex');
    fs.writeFileSync(
      path.join(home, '.aws', 'sso', 'cache', `${key}.json`),
      JSON.stringify({
        accessToken: 'x',
        expiresAt: new Date(Date.now() - 3600_000).toISOString(),
        region: 'us-east-1',
        startUrl: 'https://example.awsapps.com/start',
      }),
    );
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    process.env.HOME = home;
    process.env.USERPROFILE = home;
    process.env.AWS_CONFIG_FILE = path.join(home, '.aws', 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, '.aws', 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterAll(() => {
    process.env = saved;
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('no credentials anywhere', async () => {
    const c = createAwsClients(
      parseAwsConfig({ endpoint: fake.url, region: 'us-east-1', 'max-attempts': 1, timeout: '2s' }),
      {},
    );
    try {
      const err = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      const msg = explainAwsError(err, { action: 'ecs:DescribeServices' });
      expect(msg).toContain('no AWS credentials found');
      expect(msg).toMatch(/aws configure|aws sso login/);
    } finally {
      c.destroy();
    }
  }, 20_000);

  test('expired SSO session names `aws sso login --profile X`', async () => {
    const cfg = parseAwsConfig({
      profile: 'team-sso',
      endpoint: fake.url,
      region: 'us-east-1',
      'max-attempts': 1,
    });
    const c = createAwsClients(cfg, {});
    try {
      const err = await fail(c.ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['api'] })));
      const msg = explainAwsError(err, { action: 'ecs:DescribeServices', profile: c.profile });
      expect(msg).toContain('the AWS SSO session has expired. Fix: run `aws sso login --profile team-sso`');
    } finally {
      c.destroy();
    }
  }, 20_000);
});
