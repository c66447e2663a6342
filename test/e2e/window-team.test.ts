/**
 * The team in the real status window (built renderer + preload in Chromium) and the tray's menu, over the real
 * core against moto's S3: a teammate's (a CI job's) deploy and failed run, written by a real `offload` process
 * on another copy, and a lock a teammate holds, show up from the core's own read of the bucket.
 * Skipped, with the reason, where moto is absent.
 */
import path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOffload, type Offload } from '../../main/core/offload';
import { buildTrayMenu } from '../../main/app/tray-model';
import { CHROMIUM, type BridgePage } from '../fixtures/electron/page-bridge';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { waitFor } from '../helpers/process';
import { openCoreWindow } from './helpers/core-window';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';

const moto = motoAvailable();
const BUCKET = 'team-window';
const CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
const CI = 'https://ci.example/jobs/7';
let server: MotoServer;
let app: BuiltApp;
let core: Offload;
let browser: Browser;
let page: BridgePage;

const yaml = (endpoint: string) => `name: win
aws: { endpoint: ${endpoint}, region: us-east-1 }
team: { evidence: s3://${BUCKET}/o, environment: dev }
workflows:
  full: [local, aws-deploy, aws-test]
phases:
  local: { steps: [{ name: Build, run: "exit \${FAIL:-0}" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: Smoke, run: "true" }] }
`;

beforeAll(async () => {
  if (!moto.ok) return;
  server = await startMoto();
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The teammate: a CI job on its own copy deploys, then fails a run; another holds the lock now.
  const ci = makeProject(yaml(server.url));
  const ciData = tempDataDir();
  const env = { ...CREDS, CI_JOB_URL: CI };
  const first = await runCli(['run', 'full', '--data-dir', ciData], { cwd: ci, env });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  const fail = { ...env, FAIL: '1' };
  expect((await runCli(['run', 'full', '--data-dir', ciData], { cwd: ci, env: fail })).code).toBe(1);
  const holder = {
    ...{ version: 1, kind: 'offload-lock', project: 'win', environment: 'dev', runId: 'r-9' },
    ...{ workflow: 'full', since: new Date().toISOString(), leaseMs: 600_000 },
    ...{ who: 'Bo <bo@example.com>', where: 'bo-laptop' },
  };
  const Body = JSON.stringify(holder);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'o/locks/win/dev.json', Body }));
  s3.destroy();

  app = await buildApp('team');
  const dir = makeProject(yaml(server.url));
  const data = tempDataDir();
  core = await createOffload({
    projectDir: dir,
    dataDir: data,
    env: { ...process.env, ...CREDS, OFFLOAD_HOME: data },
    log: () => undefined,
  });
  await core.trustProject();
  browser = await chromium.launch(CHROMIUM);
  page = await openCoreWindow({ browser, core, app });
}, 90_000);

afterAll(async () => {
  await page?.close().catch(() => undefined);
  await browser?.close();
  await core?.dispose();
  await server?.close();
  app?.cleanup();
});

describe.skipIf(!moto.ok)(`the team in the window and the tray (${moto.why})`, () => {
  test("a teammate's deploy, the lock they hold and their failed run show in the Team section and the tray", async () => {
    await waitFor(() => Boolean(core.state().team?.lastDeploys.length), 20_000, 'the team view');
    await page.page.waitForFunction(() => !document.getElementById('view-team')!.hidden);
    const rows = await page.page.locator('#team li').allTextContents();
    expect(rows[0]).toMatch(/^dev locked by Bo <bo@example.com> at bo-laptop since \S+ \S+ \(full\)$/);
    expect(rows[1]).toMatch(new RegExp(`^dev: deployed by .+ at ${CI}, \\S+ \\S+$`));
    expect(rows[2]).toMatch(new RegExp(`^✗ .+: full failed in local at ${CI}, `));
    expect(rows).toHaveLength(3);
    expect(await page.page.locator('#badge-team').textContent()).toBe('locked · 1 failed run(s)');
    expect(await page.page.locator('#team li.warn').count()).toBe(1);
    const wide = await page.page.evaluate(
      () => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
    );
    expect(wide, 'long team lines overflow sideways').toBe(0);
    await page.page.screenshot({ path: path.join(ROOT, 'test-results', 'screenshots', 'team.png') });

    const menu = buildTrayMenu(core.state(), { launchAtLogin: false });
    const team = menu.filter((i) => i.id.startsWith('team:')).map((i) => i.label);
    expect(team).toEqual([`⚠ ${rows[0]}`, rows[1], rows[2]]);
  }, 60_000);
});
