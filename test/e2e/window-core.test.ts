/**
 * The real status window (built renderer + built preload, in Debian's Chromium) against the real core:
 * a workflow of real local steps turns ✅ and ❌, a real `llama-server` fixture process is stopped from the
 * window, and an error line put into the local AWS endpoint's CloudWatch Logs appears with its console link.
 * Screenshots (light and dark) go to test-results/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOffload } from '../../main/core/offload';
import type { Offload } from '../../main/core/offload';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { CHROMIUM, type BridgePage } from '../fixtures/electron/page-bridge';
import { alive, fixtureSandbox } from '../integration/machine-helpers';
import { openCoreWindow } from './helpers/core-window';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';
import { DEMO_ENV, demoProject, type DemoProject } from './helpers/project';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const LOG_GROUP = '/ecs/inference-api';

let app: BuiltApp;
let fake: FakeAws;
let project: DemoProject;
let core: Offload;
let browser: Browser;
let sandbox: ReturnType<typeof fixtureSandbox>;
const pages: BridgePage[] = [];
const opened: string[] = [];
const clipboard: string[] = [];

async function openWindow(colorScheme: 'light' | 'dark'): Promise<BridgePage> {
  const bp = await openCoreWindow({
    browser,
    core,
    app,
    colorScheme,
    shell: {
      openExternal: async (url) => void opened.push(url),
      writeClipboard: (text) => void clipboard.push(text),
    },
  });
  pages.push(bp);
  return bp;
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await buildApp('window-core');
  fake = await startFakeAws();
  fake.state.putLogs(LOG_GROUP, ['INFO service started'], Date.now() - 60_000);
  fake.state.addService({ cluster: 'dev', service: 'inference-api', desired: 2 });
  fake.state.setAlarm('inference-5xx', 'OK', 'fine', '5XXError');
  project = demoProject({ awsUrl: fake.url, logGroup: LOG_GROUP, slowMs: 700, switchEnv: true });
  sandbox = fixtureSandbox('offload-window-');
  core = await createOffload({
    dataDir: project.dataDir,
    projectDir: project.dir,
    env: { ...process.env, ...TEST_ENV, OFFLOAD_HOME: project.dataDir },
  });
  await core.trustProject(); // as the user's Trust action does
  browser = await chromium.launch(CHROMIUM);
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await core?.dispose();
  await sandbox?.cleanup();
  await fake?.close();
  project?.cleanup();
  app?.cleanup();
});

describe('status window over the real core', () => {
  test('starting a workflow from the window turns the local steps ✅ then ❌, with the live tail', async () => {
    const w = await openWindow('light');
    const { page } = w;
    const full = page.locator('button[data-workflow="full"]');
    await expect.poll(() => full.isEnabled(), { timeout: 15_000 }).toBe(true);
    await full.click();
    // While the slow Build step runs, the local phase shows ⏳ and the tail shows its output.
    const local = page.locator('#phases li[data-phase="local"]');
    await expect.poll(() => local.getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => page.locator('#tail').textContent(), { timeout: 10_000 }).toContain('building');
    expect(await page.locator('#status-line').textContent()).toContain('⏳');
    // The run ends: local failed at Tests (❌), the AWS phases never ran.
    await expect.poll(() => local.getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(await local.locator('.icon').textContent()).toBe('❌');
    expect(await local.locator('.reason').textContent()).toMatch(/Tests/);
    const run = core.state().run!;
    expect(run.status).toBe('failed');
    const build = run.phases.find((p) => p.id === 'local')!.steps.find((s) => s.name === 'Build')!;
    expect(build.status).toBe('passed');
    expect(await page.locator('#tail').textContent()).toContain('2 failed');
    // History lists the run, newest first.
    await expect
      .poll(() => page.locator(`#history li[data-item="${run.runId}"]`).textContent())
      .toContain('failed');
    // The Build step's ✅ is visible through the step list the core kept: open the log through the bridge.
    const log = await page.evaluate(([id]) => window.offload.runLog(id!, 'local', 'build'), [run.runId]);
    expect(log).toContain('building');
    await page.screenshot({ path: path.join(SHOTS, 'window-run-failed-light.png'), fullPage: true });
    expect(w.errors).toEqual([]);
  });

  test('a passing run shows ✅ for the local phase', async () => {
    // Same project, but the failing step is fixed on disk: the core reloads the config on openProject.
    const file = path.join(project.dir, 'offload.yml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('&& exit 1', '&& exit 0')
        .replace('echo 2 failed >&2', 'echo all passed'),
    );
    await core.openProject(project.dir);
    const { page } = pages[0]!;
    const local = page.locator('#phases li[data-phase="local"]');
    // The edit changed what offload.yml runs: the project is read-only until the user trusts it again.
    const trustRow = page.locator('#trust-row');
    await expect.poll(() => trustRow.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#trust-reason').textContent()).toMatch(/changed what it runs/);
    expect(await page.locator('#trust-actions').textContent()).toContain('echo all passed');
    expect(await page.locator('button[data-workflow="full"]').isDisabled()).toBe(true);
    await expect(core.run('full')).rejects.toThrow(/not trusted/);
    await page.locator('#trust-project').click();
    await expect.poll(() => trustRow.isVisible(), { timeout: 10_000 }).toBe(false);
    // Run only the local phase via the bridge-validated path (the full workflow would go on to AWS phases).
    const names = core.state().workflows.map((w) => w.name);
    const localOnly = names.find(
      (n) =>
        core
          .state()
          .workflows.find((w) => w.name === n)!
          .phases.join() === 'local',
    );
    const target = localOnly ?? 'full';
    await page.locator(`button[data-workflow="${target}"]`).click();
    await expect.poll(() => local.getAttribute('data-status'), { timeout: 20_000 }).toBe('passed');
    expect(await local.locator('.icon').textContent()).toBe('✅');
  });

  test('stopping a real llama-server fixture from the window ends that process', async () => {
    const server = await sandbox.start('llama-server', [
      '--port',
      '0',
      '-m',
      '/models/llama-3-8b.Q4_K_M.gguf',
    ]);
    const { page } = pages[0]!;
    const row = page.locator(`#models li[data-item="${server.pid}"]`);
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.textContent()).toMatch(/RAM \d/);
    await row.getByRole('button', { name: /Stop/ }).click();
    await expect.poll(() => alive(server.pid), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    await expect
      .poll(() => page.locator('#action-line').textContent(), { timeout: 15_000 })
      .toMatch(/stopped/);
  });

  test('an error line in CloudWatch Logs on the local endpoint appears with its console link', async () => {
    const { page } = pages[0]!;
    // Let the watch take its first look (the cursor starts at "now"), then log an error after it.
    await new Promise((r) => setTimeout(r, 1500));
    fake.state.putLogs(
      LOG_GROUP,
      ['INFO all good', 'ERROR CUDA out of memory in /v1/chat/completions'],
      Date.now(),
    );
    const item = page.locator(`#errors li[data-item="${LOG_GROUP}"]`);
    await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
    expect(await item.textContent()).toContain('ERROR CUDA out of memory');
    const href = await item.locator('a').getAttribute('href');
    expect(href).toMatch(
      /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#logsV2:log-groups\/log-group\//,
    );
    await item.locator('a').click();
    await expect.poll(() => opened).toEqual([href]);
    await page.screenshot({ path: path.join(SHOTS, 'window-light.png'), fullPage: true });
    const dark = await openWindow('dark');
    await expect.poll(() => dark.page.locator(`#errors li[data-item="${LOG_GROUP}"]`).count()).toBe(1);
    const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).not.toBe('rgb(255, 255, 255)');
    await dark.page.screenshot({ path: path.join(SHOTS, 'window-dark.png'), fullPage: true });
    expect(dark.errors).toEqual([]);
  });

  test('AWS health from the local endpoint: the ECS service, the alarm and the gate, and an alarm going off', async () => {
    const { page } = pages[0]!;
    const svc = page.locator('#aws-items li[data-item="inference-api"]');
    await expect.poll(() => svc.textContent(), { timeout: 20_000 }).toMatch(/inference-api \(dev\) 2\/2/);
    const alarm = page.locator('#aws-items li[data-item="inference-5xx"]');
    await expect.poll(() => alarm.textContent(), { timeout: 20_000 }).toContain('inference-5xx: OK');
    await expect
      .poll(() => page.locator('#gate').getAttribute('class'), { timeout: 20_000 })
      .toBe('gate ready');
    fake.state.setAlarm('inference-5xx', 'ALARM', 'Threshold Crossed: 5XXError > 5', '5XXError');
    await expect
      .poll(() => alarm.textContent(), { timeout: 20_000 })
      .toContain('❌ alarm inference-5xx: ALARM');
    await expect
      .poll(() => page.locator('#gate').getAttribute('class'), { timeout: 20_000 })
      .toBe('gate not-ready');
    expect(await page.locator('#gate').textContent()).toMatch(/not ready/);
    await page.screenshot({ path: path.join(SHOTS, 'window-aws-alarm-light.png'), fullPage: true });
    fake.state.setAlarm('inference-5xx', 'OK', 'back to normal', '5XXError');
  });

  test('the switch buttons point the dev config at AWS and back, byte for byte', async () => {
    const { page } = pages[0]!;
    const envFile = path.join(project.dir, '.env');
    const toAws = page.locator('#switch-aws');
    const toLocal = page.locator('#switch-local');
    await expect.poll(() => page.locator('#switch-row').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await toLocal.isDisabled()).toBe(true); // it points at local now
    // To AWS only through the gate: off (with the reason) until AWS is ready.
    fake.state.setAlarm('inference-5xx', 'ALARM', 'Threshold Crossed: 5XXError > 5', '5XXError');
    await expect.poll(() => toAws.isDisabled(), { timeout: 20_000 }).toBe(true);
    expect(await toAws.getAttribute('title')).toMatch(/AWS is not ready: alarm inference-5xx in ALARM/);
    fake.state.setAlarm('inference-5xx', 'OK', 'back to normal', '5XXError');
    await expect.poll(() => toAws.isDisabled(), { timeout: 20_000 }).toBe(false);
    await toAws.click();
    await expect
      .poll(() => fs.readFileSync(envFile, 'utf8'))
      .toBe(DEMO_ENV.replace('http://127.0.0.1:11434', `${fake.url}/v1`));
    await expect.poll(() => toAws.isDisabled()).toBe(true);
    expect(await page.locator('#action-line').textContent()).toMatch(/now point at AWS/);
    await toLocal.click();
    await expect.poll(() => fs.readFileSync(envFile, 'utf8')).toBe(DEMO_ENV);
    await expect.poll(() => toLocal.isDisabled()).toBe(true);
  });

  test('the bridge refuses what the window must not do, with a clear error', async () => {
    const { page } = pages[0]!;
    const err = (fn: string) =>
      page.evaluate(
        (src) =>
          (new Function(`return ${src}`)() as Promise<unknown>).then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        fn,
      );
    expect(await err('window.offload.run("rm -rf")')).toMatch(/^refused: run: unknown workflow/);
    expect(await err('window.offload.stopModels({ pids: [1] })')).toMatch(
      /^refused: stopModels: pid 1 is not a local model server/,
    );
    expect(await err('window.offload.stopModels({ pids: [-3] })')).toMatch(/not a positive integer/);
    expect(await err('window.offload.openExternal("file:///etc/passwd")')).toMatch(
      /only https AWS console links/,
    );
    expect(await err('window.offload.runLog("../../etc", "local", "x")')).toMatch(/invalid run id/);
    expect(await err('window.offload.switchConfig("sideways")')).toMatch(/target must be "aws" or "local"/);
  });

  test('keyboard: every control is a focusable button and readable at 200% zoom', async () => {
    const { page } = pages[0]!;
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.tagName);
    expect(['BUTTON', 'A', 'PRE']).toContain(focused);
    await page.evaluate(() => ((document.body.style as CSSStyleDeclaration & { zoom: string }).zoom = '2'));
    // No horizontal overflow at 200%: content wraps instead of being cut off.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: path.join(SHOTS, 'window-zoom-200.png') });
    await page.evaluate(() => ((document.body.style as CSSStyleDeclaration & { zoom: string }).zoom = ''));
  });
});
