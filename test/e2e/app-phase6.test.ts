/**
 * Phase 6 from the tray app, run for real under the `electron` stand-in (main/app's built code, the real
 * core, the real preload and renderer in Chromium) against the local AWS endpoint: an error line in
 * CloudWatch Logs, "Copy error context" in the window and "Copy last error" in the tray put the Markdown on
 * the clipboard; once the local phase passed, the tray's "Redeploy after fix" starts `services`; "Back to
 * local" points the dev config back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AppHandle } from '../../main/app/app';
import type { MenuItemModel } from '../../main/app/tray-model';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { ElectronWorld, type StandInInstance } from '../fixtures/electron';
import { launchMain } from '../fixtures/electron/load-main';
import { CHROMIUM } from '../fixtures/electron/page-bridge';
import { trustProject } from '../helpers/trust';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';
import { DEMO_ENV, demoProject, type DemoProject } from './helpers/project';

interface TestHooks {
  handle: AppHandle;
  menu(): MenuItemModel[];
  click(id: string): boolean;
}
const hooks = () => (globalThis as { __offloadTest?: TestHooks }).__offloadTest;
const LOG_GROUP = '/ecs/inference-api';

let app: BuiltApp;
let browser: Browser;
let world: ElectronWorld;
let fake: FakeAws;
let project: DemoProject;
let inst: StandInInstance;
const savedEnv = { ...process.env };

const waitFor = async <T>(fn: () => T | undefined | null | false, ms = 20_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until)
      throw new Error(`timed out after ${ms} ms waiting for ${fn.toString().slice(0, 120)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const item = (id: string) =>
  hooks()!
    .menu()
    .find((i) => i.id === id);

beforeAll(async () => {
  app = await buildApp('phase6');
  fake = await startFakeAws();
  fake.state.putLogs(LOG_GROUP, ['INFO service started'], Date.now() - 60_000);
  fake.state.addService({ cluster: 'dev', service: 'inference-api', desired: 2 });
  fake.state.setAlarm('inference-5xx', 'OK', 'fine', '5XXError');
  project = demoProject({ awsUrl: fake.url, logGroup: LOG_GROUP, switchEnv: true });
  // A local phase that passes, and a deploy step, so `services` can run once local passed.
  const file = path.join(project.dir, 'offload.yml');
  const yml = fs
    .readFileSync(file, 'utf8')
    .replace('&& exit 1', '&& exit 0')
    .replace('echo 2 failed >&2', 'echo all passed')
    .replace(
      'aws:\n',
      '  aws-deploy:\n    steps:\n      - name: Deploy\n        run: "echo deployed"\n  aws-test:\n    steps:\n      - name: E2E\n        run: "echo tested"\naws:\n',
    );
  fs.writeFileSync(file, yml);
  fs.mkdirSync(project.dataDir, { recursive: true });
  fs.writeFileSync(path.join(project.dataDir, 'settings.json'), JSON.stringify({ projectDir: project.dir }));
  expect(trustProject(project.dir, project.dataDir)).toBe(true);
  Object.assign(process.env, TEST_ENV, {
    OFFLOAD_HOME: project.dataDir,
    OFFLOAD_TEST_HOOKS: '1',
    XDG_CONFIG_HOME: path.join(project.dataDir, 'xdg-config'),
  });
  delete process.env.OFFLOAD_NO_TRAY;
  browser = await chromium.launch(CHROMIUM);
  world = new ElectronWorld(browser, ROOT);
  inst = launchMain(world, app.main);
  await waitFor(() => hooks()?.handle && inst.trays.length === 1);
}, 60_000);

afterAll(async () => {
  await hooks()
    ?.handle.quit()
    .catch(() => undefined);
  for (const w of inst?.windows ?? [])
    await (w as unknown as { webContents: { bridge?: { close(): Promise<void> } } }).webContents.bridge
      ?.close()
      .catch(() => undefined);
  await browser?.close();
  process.env = savedEnv;
  await fake?.close();
  project?.cleanup();
  app?.cleanup();
});

describe('phase 6 from the tray and the window, under the stand-in', () => {
  test('without an error yet, Copy last error is disabled with the reason', async () => {
    const copy = await waitFor(() => item('copy-error'));
    expect(copy).toMatchObject({ enabled: false, reason: 'no error yet' });
    expect(item('back-to-local')).toMatchObject({
      enabled: false,
      reason: 'dev tools already point at local',
    });
  });

  test('Copy error context in the window puts the Markdown on the clipboard; so does the tray item', async () => {
    // Let the watch take its first look, then log an error after it.
    await new Promise((r) => setTimeout(r, 1500));
    fake.state.putLogs(
      LOG_GROUP,
      ['INFO handling request', 'ERROR CUDA out of memory in /v1/chat/completions'],
      Date.now(),
    );
    await waitFor(() => hooks()!.handle.core.state().aws?.recentErrors.length);
    await waitFor(() => item('copy-error')?.enabled);
    hooks()!.click('open-window');
    const win = await waitFor(() => inst.windows[0]?.isVisible() && inst.windows[0]);
    const page = (win.webContents as unknown as { bridge: { page: Page } }).bridge.page;
    await page.waitForSelector('body[data-ready="true"]');
    const copy = page.locator('#copy-error');
    await expect.poll(() => copy.isEnabled(), { timeout: 20_000 }).toBe(true);
    await copy.click();
    const md = await waitFor(() => world.clipboardWrites.at(-1));
    expect(md).toContain('ERROR CUDA out of memory');
    expect(md).toMatch(/^#/m); // Markdown headings
    await expect.poll(() => page.locator('#action-line').textContent()).toMatch(/Error context copied/);
    const before = world.clipboardWrites.length;
    expect(hooks()!.click('copy-error')).toBe(true);
    await waitFor(() => world.clipboardWrites.length > before);
    expect(world.clipboardWrites.at(-1)).toContain('ERROR CUDA out of memory');
  });

  test("the tray's Redeploy after fix starts services (once the gates let it)", async () => {
    const core = hooks()!.handle.core;
    // The gates apply as always: where services waits for the local phase, pass it first.
    if (!item('redeploy')!.enabled) {
      expect(item('redeploy')!.reason).toBeTruthy();
      expect((await core.run('local')).status).toBe('passed');
    }
    await waitFor(() => item('redeploy')?.enabled);
    expect(hooks()!.click('redeploy')).toBe(true);
    const run = await waitFor(() => {
      const r = core.state().run;
      return r?.workflow === 'services' && r;
    });
    expect(run.phases.map((p) => p.id)).toContain('aws-deploy');
    await waitFor(() => core.state().run?.status !== 'running', 30_000);
  });

  test('Back to local points the dev config back at the local models', async () => {
    const core = hooks()!.handle.core;
    const envFile = path.join(project.dir, '.env');
    await waitFor(() => core.state().aws?.gate === 'ready');
    await core.switchConfig('aws');
    await waitFor(() => item('back-to-local')?.enabled);
    expect(hooks()!.click('back-to-local')).toBe(true);
    await waitFor(() => fs.readFileSync(envFile, 'utf8') === DEMO_ENV);
  });
});
