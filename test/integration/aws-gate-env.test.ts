/**
 * Gate endpoints may name their URL through offload.yml's `env:` (`${{ env.AWS_API_URL }}/health`), as steps
 * do; an unresolvable URL is a failed check, never a pass.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsWatch } from '../../main/core/aws/watch';
import { Notifier } from '../../main/core/notify/notifier';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import { projectEffects } from '../../main/core/boundary';

describe('gate endpoint URLs from env', () => {
  let fake: FakeAws;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-gate-env-'));
  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.health.set('/health', { status: 200, body: '{"status":"ok"}' });
  });
  afterAll(async () => fake.close());

  const watchFor = (env: Record<string, string>) => {
    const config = testConfig(dir, {
      gate: {
        endpoints: [{ name: 'api', url: '${{ env.AWS_API_URL }}/health', body: 'ok' }],
        'consecutive-passes': 1,
      },
    });
    config.env = env;
    return createAwsWatch({
      // The user trusts this project: the gate asks the endpoints, filled in from offload.yml's `env:`.
      effects: projectEffects({ trusted: true, env: {}, project: config }),
      config,
      clients: testClients(fake.url),
      notifier: new Notifier(),
      dataDir: path.join(dir, 'data'),
      env: {},
      log: () => undefined,
    });
  };

  it('resolves ${{ env.X }} from offload.yml env and checks the real endpoint', async () => {
    const watch = watchFor({ AWS_API_URL: fake.url });
    await watch.pollOnce();
    const snap = watch.snapshot();
    expect(snap.endpoints[0]?.consecutivePasses).toBe(1);
    expect(snap.gate).toBe('ready');
  });

  it('an env var that is not set fails the check and keeps the gate shut', async () => {
    const watch = watchFor({});
    await watch.pollOnce();
    const snap = watch.snapshot();
    expect(snap.endpoints[0]?.consecutivePasses).toBe(0);
    expect(snap.gate).not.toBe('ready');
    expect(snap.endpoints[0]?.lastResult).toMatch(/AWS_API_URL/);
  });
});
