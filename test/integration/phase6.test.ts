/**
 * Phase 6 through the real core against the local AWS endpoint: a deployment's identity in history; a
 * CloudWatch error notice naming the deployment it came after; the error context with the lines around it from
 * the same stream and secrets masked; the quiet period turning ✅ stable (on a clock the test moves) and an
 * error turning it ❌ unstable; drift after a tracked edit.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeployments } from '../../main/core/deployments';
import { createOffload, type Offload } from '../../main/core/offload';
import type { Notice } from '../../main/core/state';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { waitFor } from '../helpers/process';

const SECRET = 'hunter2-very-secret';

describe('phase 6: from an error to a verified fix', () => {
  let fake: FakeAws;
  let core: Offload;
  let dir: string;
  let clock = Date.now();
  const notices: Notice[] = [];

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    fake.state.putLogs('/ecs/api', ['INFO booted'], Date.now() - 3_600_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-phase6-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'app.py'), 'print("v1")\n');
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: phase6
secrets: [DB_PASSWORD]
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
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], {
        cwd: dir,
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    core = await createOffload({
      projectDir: dir,
      dataDir: path.join(dir, '..', `${path.basename(dir)}-data`),
      env: { ...process.env, ...TEST_ENV, DB_PASSWORD: SECRET },
      now: () => clock,
      log: () => undefined,
    });
    core.onNotice((n) => notices.push(n));
    await core.trustProject();
  }, 60_000);

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
  });

  it('records what the deployment deployed, and watches it through its quiet period', async () => {
    expect(core.state().phase6).toEqual({ status: 'idle' });
    const run = await core.run('full');
    expect(run.status).toBe('passed');
    const [d] = readDeployments(core.history()!);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
    expect(d).toMatchObject({ runId: run.runId, workflow: 'full', commit });
    expect(d!.items[0]!.summary).toMatch(/^api → api:\d+ \(repo\/api:1\.4\.2\)$/);

    clock = Date.parse(d!.at) + 60_000;
    expect(core.state().phase6).toMatchObject({ status: 'watching', deployment: { runId: run.runId } });
    clock = Date.parse(d!.at) + 16 * 60_000;
    expect(core.state().phase6).toMatchObject({
      status: 'stable',
      since: new Date(Date.parse(d!.at) + 15 * 60_000).toISOString(),
    });
  }, 60_000);

  it('an error after it: the notice names the deployment, phase 6 turns unstable, and the context has its lines', async () => {
    const t = Date.now();
    fake.state.putLogs('/ecs/api', ['INFO request 41 ok', 'INFO request 42 start'], t - 2);
    fake.state.putLogs('/ecs/api', [`ERROR db connect failed password=${SECRET}`], t - 1);
    fake.state.putLogs('/ecs/api', ['INFO retrying in 5s'], t);
    const notice = await waitFor(
      () => notices.find((n) => n.title === 'New error in /ecs/api'),
      20_000,
      'the notice',
    );
    const commit = readDeployments(core.history()!)[0]!.commit!;
    expect(notice.body).toMatch(
      new RegExp(`after deploy of ${commit} · api → api:\\d+ \\(repo/api:1\\.4\\.2\\), .* ago`),
    );
    expect(notice.body).toContain('stream ecs/app/abc');

    expect(core.state().phase6).toMatchObject({
      status: 'unstable',
      firstError: { message: expect.stringMatching(/db connect failed/) },
    });

    const md = await core.errorContext();
    expect(md).toMatch(new RegExp(`\\*\\*Deployment:\\*\\* ${commit} · api → api:\\d+`));
    expect(md).toMatch(/> .* ERROR db connect failed password=\*\*\*/);
    expect(md).toContain('INFO request 42 start');
    expect(md).toContain('INFO retrying in 5s');
    expect(md).not.toContain(SECRET);
    expect(md).toMatch(/\[Open in the CloudWatch console\]\(https:\/\/us-east-1\.console\.aws\.amazon\.com/);
    expect(md).toMatch(/### Recent service events\n- \*\*dev\/api\*\*/);
  }, 60_000);

  it('drift: a tracked edit after the deployed version is named by folder', async () => {
    fs.writeFileSync(path.join(dir, 'src', 'app.py'), 'print("v2")\n');
    await core.availability();
    expect(core.state().drift).toMatchObject({ changed: 1, byFolder: { src: 1 }, files: ['src/app.py'] });
    // A file at the top is named, not lumped into ".".
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'new\n');
    await core.availability();
    expect(core.state().drift).toMatchObject({ changed: 2, byFolder: { src: 1, 'notes.txt': 1 } });
    fs.rmSync(path.join(dir, 'notes.txt'));
    fs.writeFileSync(path.join(dir, 'src', 'app.py'), 'print("v1")\n');
    await core.availability();
    expect(core.state().drift).toBeNull();
  });
});
