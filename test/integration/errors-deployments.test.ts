/**
 * `offload errors` names each error by the deployment live when it happened: two deployments of one commit
 * differ (ECS task-definition revisions, through the real SDK against the local AWS endpoint), and an error
 * read late — after the next deployment — still names the deployment it happened under.
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

describe('errors labelled by the deployment live at their time', () => {
  let fake: FakeAws;
  let core: Offload;
  let dir: string;
  let dataDir: string;
  const notices: Notice[] = [];

  beforeAll(async () => {
    fake = await startFakeAws();
    fake.state.addService({ cluster: 'dev', service: 'api' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-errlabel-'));
    dataDir = `${dir}-data`;
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      `name: errlabel
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
gate: { services: [{ cluster: dev, service: api }], interval: 1s, policy: notify }
notify:
  desktop: false
  interval: 1s
  log-groups: [{ name: /ecs/api, window: 0s }]
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-prepare: { steps: [{ name: Image, run: "true" }] }
  aws-deploy:
    steps:
      - ecs-deploy: { cluster: dev, service: api, image: "repo/api:1.0.0" }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`,
    );
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: dir });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'one commit, two deployments');
    core = await createOffload({
      projectDir: dir,
      dataDir,
      env: { ...process.env, ...TEST_ENV },
      log: () => undefined,
    });
    core.onNotice((n) => notices.push(n));
    await core.trustProject();
  }, 60_000);

  afterAll(async () => {
    await core?.dispose();
    await fake?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const noticeOf = (text: string) =>
    waitFor(() => notices.find((n) => n.body.includes(text)), 20_000, `the notice of ${text}`);

  it('two deployments of one commit differ, and each error names the one live when it happened', async () => {
    expect((await core.run('full')).status).toBe('passed');
    const tBetween = Date.now() + 5;
    await new Promise((r) => setTimeout(r, 20));
    fake.state.putLogs('/ecs/api', ['ERROR under the first deployment']);
    await noticeOf('ERROR under the first deployment');

    expect((await core.run('services')).status).toBe('passed');
    const [a, b] = readDeployments(core.history()!);
    expect(a!.commit).toBe(b!.commit);
    const revA = /api → (api:\d+)/.exec(a!.items[0]!.summary)![1]!;
    const revB = /api → (api:\d+)/.exec(b!.items[0]!.summary)![1]!;
    expect(revA).not.toBe(revB);

    // Read late: it happened before the second deployment, and is seen only after it.
    fake.state.putLogs('/ecs/api', ['ERROR read late'], tBetween);
    expect((await noticeOf('ERROR read late')).body).toContain(
      `after deploy of ${a!.commit} · api → ${revA}`,
    );
    fake.state.putLogs('/ecs/api', ['ERROR under the second deployment']);
    expect((await noticeOf('ERROR under the second deployment')).body).toContain(
      `after deploy of ${b!.commit} · api → ${revB}`,
    );

    // The revision in the heading of the section whose marked line (the error itself) is `message`.
    const label = (md: string, message: string) =>
      md
        .split('\n### ')
        .find((sec) => sec.split('\n').some((l) => l.startsWith('> ') && l.endsWith(message)))
        ?.match(
          new RegExp(`^1 error in \`/ecs/api\` at \\S+ \\(after deploy of ${a!.commit} · api → (api:\\d+)`),
        )?.[1];
    for (const md of [await core.errorContext(), await oneShotErrors()]) {
      expect(label(md, 'ERROR under the first deployment')).toBe(revA);
      expect(label(md, 'ERROR read late')).toBe(revA);
      expect(label(md, 'ERROR under the second deployment')).toBe(revB);
    }
  }, 60_000);

  /** `offload errors` in another process: the journal's errors, labelled afresh from the deployments. */
  async function oneShotErrors(): Promise<string> {
    const once = await createOffload({
      projectDir: dir,
      dataDir,
      env: { ...process.env, ...TEST_ENV },
      watch: false,
      log: () => undefined,
    });
    try {
      return await once.errorContext();
    } finally {
      await once.dispose();
    }
  }
});
