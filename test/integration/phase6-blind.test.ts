/**
 * Phase 6 through the real core and watch against the local AWS endpoint, with FilterLogEvents denied: the
 * quiet period passes while the watch cannot read the log group, so phase 6 is not "stable" but says it
 * cannot see CloudWatch and why; once the watch reads again, the line it missed makes it unstable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeployments } from '../../main/core/deployments';
import { createOffload, type Offload } from '../../main/core/offload';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { waitFor } from '../helpers/process';

describe('phase 6 with a blind CloudWatch watch', () => {
  let fake: FakeAws;
  let core: Offload;
  let dir: string;
  let clock = Date.now();

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    fake.state.putLogs('/ecs/api', ['INFO booted'], Date.now() - 3_600_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-phase6-blind-'));
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: phase6-blind
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
gate:
  services: [{ cluster: dev, service: api }]
  interval: 1s
  policy: notify
notify:
  desktop: false
  interval: 1s
  quiet-period: 15m
  log-groups: [{ name: /ecs/api, window: 0s }]
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-prepare: { steps: [{ name: Image, run: "true" }] }
  aws-deploy:
    steps:
      - ecs-deploy: { cluster: dev, service: api, image: "repo/api:1.4.2" }
  aws-test: { steps: [{ name: Smoke, run: "true" }] }
`,
    );
    core = await createOffload({
      projectDir: dir,
      dataDir: path.join(dir, '..', `${path.basename(dir)}-data`),
      env: { ...process.env, ...TEST_ENV },
      now: () => clock,
      log: () => undefined,
    });
    await core.trustProject();
  }, 60_000);

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
  });

  it('a denied FilterLogEvents through the quiet period reads "cannot see CloudWatch", then unstable on the line it missed', async () => {
    const run = await core.run('full');
    expect(run.status).toBe('passed');
    const [d] = readDeployments(core.history()!);
    fake.state.faults.push({ op: 'FilterLogEvents', kind: 'denied' });
    await waitFor(() => core.state().aws?.cloudwatchBlind, 10_000, 'a denied log poll');
    fake.state.putLogs('/ecs/api', ['ERROR db connect failed'], Date.now());

    clock = Date.parse(d!.at) + 16 * 60_000;
    const p6 = core.state().phase6;
    expect(p6).toMatchObject({ status: 'unobserved', blind: true, deployment: { runId: run.runId } });
    expect(p6?.reason).toMatch(/^cannot see CloudWatch: .*FilterLogEvents/);

    // The watch reads again: the line written while it was blind comes in and makes it unstable.
    fake.state.faults.length = 0;
    await waitFor(() => (core.state().phase6?.status === 'unstable' ? true : undefined), 10_000, 'unstable');
    expect(core.state().aws?.cloudwatchBlind).toBeUndefined();
  }, 60_000);
});
