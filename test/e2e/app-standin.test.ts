/**
 * main/app's real code (the built dist/main/app/main.js) run end to end with the real core, under the
 * `electron` stand-in of test/fixtures/electron: windows are real Chromium pages with the real preload and
 * renderer, IPC goes over Playwright bindings, tray/menu/notifications are recorded as data.
 */
import { trustProject } from '../helpers/trust';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AppHandle } from '../../main/app/app';
import type { MenuItemModel } from '../../main/app/tray-model';
import { decodePng } from '../../main/app/tray-meter';
import { ElectronWorld, type StandInBrowserWindow, type StandInInstance } from '../fixtures/electron';
import { launchMain } from '../fixtures/electron/load-main';
import { CHROMIUM } from '../fixtures/electron/page-bridge';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';
import { demoProject, type DemoProject } from './helpers/project';

interface TestHooks {
  handle: AppHandle;
  menu(): MenuItemModel[];
  click(id: string): boolean;
}
const hooks = () => (globalThis as { __offloadTest?: TestHooks }).__offloadTest;

let app: BuiltApp;
let browser: Browser;
let world: ElectronWorld;
let project: DemoProject;
let first: StandInInstance;
const savedEnv = { ...process.env };

const waitFor = async <T>(fn: () => T | undefined | null | false, ms = 15_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until)
      throw new Error(`timed out after ${ms} ms waiting for ${fn.toString().slice(0, 120)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const tray = () => first.trays[0]!;
/**
 * Which icon file the tray shows: its file name, or for an image drawn with the load meter, the icon file
 * whose pixels match everywhere right of the meter strip (the meter is checked in tray-meter's unit test).
 */
function trayIconName(): string {
  const img = tray().image;
  if (img.path) return path.basename(img.path);
  expect(img.representations?.map((r) => r.scaleFactor)).toEqual([1, 2]);
  const shown = decodePng(img.buffer!);
  const dir = path.join(ROOT, 'resources/tray');
  const strip = Math.max(2, Math.round(shown.width / 8)) + 1;
  const same = fs
    .readdirSync(dir)
    .filter((f) => /^tray-icon-[a-z]+(Dark)?\.png$/.test(f))
    .filter((f) => {
      const base = decodePng(fs.readFileSync(path.join(dir, f)));
      for (let y = 0; y < base.height; y++)
        for (let x = strip * 4; x < base.width * 4; x++)
          if (base.rgba[y * base.width * 4 + x] !== shown.rgba[y * base.width * 4 + x]) return false;
      return true;
    });
  expect(same).toHaveLength(1);
  return `${same[0]} (+meter)`;
}
const menuItem = (label: RegExp) => tray().menu!.items.find((i) => label.test(i.label ?? ''));
const statusWindow = () =>
  first.windows[0] as StandInBrowserWindow & {
    blur(): void;
    hide(): void;
    webContents: { bridge: { page: import('playwright').Page } };
  };

beforeAll(async () => {
  app = await buildApp('standin');
  project = demoProject({ slowMs: 300 });
  fs.mkdirSync(project.dataDir, { recursive: true });
  // The remembered project (what "Choose project…" saved last time).
  fs.writeFileSync(path.join(project.dataDir, 'settings.json'), JSON.stringify({ projectDir: project.dir }));
  // The user trusted it before (the Trust action; untrusted projects open read-only).
  trustProject(project.dir, project.dataDir);
  Object.assign(process.env, {
    OFFLOAD_HOME: project.dataDir,
    OFFLOAD_TEST_HOOKS: '1',
    XDG_CONFIG_HOME: path.join(project.dataDir, 'xdg-config'),
  });
  delete process.env.OFFLOAD_NO_TRAY;
  browser = await chromium.launch(CHROMIUM);
  world = new ElectronWorld(browser, ROOT);
  first = launchMain(world, app.main);
  await waitFor(() => hooks()?.handle && first.trays.length === 1);
}, 60_000);

afterAll(async () => {
  await hooks()
    ?.handle.quit()
    .catch(() => undefined);
  for (const inst of world?.instances ?? []) {
    for (const p of inst.foreignPages) await p.close().catch(() => undefined);
    for (const w of inst.windows)
      await (w as unknown as { webContents: { bridge?: { close(): Promise<void> } } }).webContents.bridge
        ?.close()
        .catch(() => undefined);
  }
  await browser?.close();
  process.env = savedEnv;
  project?.cleanup();
  app?.cleanup();
});

describe('the Electron glue, run for real under the stand-in', () => {
  test('starts in the tray: no window, an icon that exists, a tooltip and the full menu', async () => {
    expect(first.windows).toHaveLength(0);
    const t = tray();
    expect(trayIconName()).toMatch(/^tray-icon-(idle|warning)\.png/);
    await waitFor(() => t.tooltip.includes('CPU'));
    expect(t.tooltip).toContain('Offload — demo');
    const labels = t.menu!.items.map((i) => i.label ?? `--${i.type}`);
    for (const want of [
      /^Offload — demo/,
      /^Run local build & tests/,
      /^Run full workflow/,
      /^Deploy services only/,
      /^Deploy infrastructure only/,
      /^Test AWS services/,
      /^Shut down local models/,
      /^Open status window$/,
      /^Pause monitoring$/,
      /^Open offload.yml$/,
      /^Choose project…$/,
      /^Launch at login/,
      /^Quit Offload$/,
    ]) {
      expect(
        labels.some((l) => want.test(l)),
        `menu has ${want}: ${labels.join(' | ')}`,
      ).toBe(true);
    }
    // Not allowed now -> disabled with the reason in the label.
    const test = menuItem(/^Test AWS services/)!;
    expect(test.enabled).toBe(false);
    expect(test.label).toMatch(/— .+/);
  });

  test('a tray action starts the workflow; the icon and a notification follow the real run', async () => {
    const before = tray().setContextMenuCalls;
    menuItem(/^Run full workflow/)!.click!();
    // The menu follows: running -> a Cancel item appears.
    await waitFor(() => menuItem(/^Cancel running workflow/));
    expect(tray().setContextMenuCalls).toBeGreaterThan(before);
    expect(trayIconName()).toMatch(/^tray-icon-running\.png/);
    const n = await waitFor(() => first.notifications.find((x) => /full failed/.test(x.options.title)));
    expect(n.options.body).toMatch(/Tests/);
    expect(trayIconName()).toMatch(/^tray-icon-failed\.png/);
    const run = hooks()!.handle.core.state().run!;
    expect(run.status).toBe('failed');
    expect(run.phases.find((p) => p.id === 'local')!.steps.map((s) => s.status)).toEqual([
      'passed',
      'failed',
    ]);
  });

  test('clicking the notification opens the window on its item, with the required security settings', async () => {
    const n = first.notifications.find((x) => /full failed/.test(x.options.title))!;
    n.click();
    const win = await waitFor(() => first.windows[0]?.isVisible() && statusWindow());
    const prefs = win.options.webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(win.options).toMatchObject({ width: 400, height: 560, show: false });
    expect(String(prefs.preload)).toBe(path.join(app.dist, 'preload', 'preload.js'));
    // Next to the tray (the stand-in tray sits at x=1800 on a 1920 px screen, at the top).
    expect(win.position[0]).toBeGreaterThan(1400);
    expect(win.position[1]).toBeLessThan(100);
    const page = win.webContents.bridge.page;
    await page.waitForSelector('body[data-view="phases"]');
    const runId = hooks()!.handle.core.state().run!.runId;
    expect(await page.locator('#phases').getAttribute('data-run')).toBe(runId);
    expect(await page.locator('#phases').evaluate((e) => e.classList.contains('highlight'))).toBe(true);
    expect(await page.locator('#phases li[data-phase="local"]').getAttribute('data-status')).toBe('failed');
    // The page runs under the strict CSP of index.html.
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/default-src 'none'/);
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
      'undefined',
    );
  });

  test('a malformed IPC message is refused with a clear error, and unknown channels have no handler', async () => {
    const page = statusWindow().webContents.bridge.page;
    const msg = (src: string) =>
      page.evaluate(
        (s) =>
          (new Function(`return ${s}`)() as Promise<unknown>).then(
            (r) => ({ ok: r }),
            (e: Error) => ({ err: e.message }),
          ),
        src,
      );
    expect(await msg('window.offload.run(42)')).toEqual({
      err: 'refused: run: workflow name must be a string',
    });
    expect(await msg('window.offload.stopModels({ pids: [1.5] })')).toEqual({
      err: 'refused: stopModels: pid 1.5 is not a positive integer',
    });
    expect(await msg('window.offload.stopModels({ all: true, evil: 1 })')).toEqual({
      err: 'refused: stopModels: unexpected field(s) evil',
    });
    expect(await msg('window.offload.setMonitoringPaused("yes")')).toEqual({
      err: 'refused: setMonitoringPaused: expected true or false',
    });
    // Below the preload, straight at the channel: wrong arity, and a channel main never registered.
    expect(await msg('window.__electronInvoke("offload:cancel", [1, 2])')).toEqual({
      ok: { error: 'refused: cancel: expected 0 argument(s), got 2' },
    });
    expect((await msg('window.__electronInvoke("offload:exec", ["ls"])')) as { err: string }).toMatchObject({
      err: expect.stringMatching(/No handler registered for 'offload:exec'/),
    });
    // A well-formed request still works.
    expect(
      ((await msg('window.offload.getState()')) as { ok: { project: { name: string } } }).ok.project.name,
    ).toBe('demo');
  });

  test('a message from a foreign sender is refused, even from the same page URL', async () => {
    const foreign = await first.electron.openForeignPage(pathToFileURL(app.html).href, app.preload);
    const res = await foreign.page.evaluate(() =>
      window.offload.getState().then(
        () => 'answered',
        (e: Error) => e.message,
      ),
    );
    expect(res).toBe('refused: message from an unknown sender');
    await foreign.close();
  });

  test('navigation and new windows are refused; only AWS console links leave the app; permissions denied', async () => {
    const win = statusWindow();
    const page = win.webContents.bridge.page;
    const url = page.url();
    await page.evaluate(() => {
      location.href = 'https://example.com/phish';
    });
    await waitFor(() => win.webContents.navigations.length > 0);
    expect(win.webContents.navigations[0]).toEqual({ url: 'https://example.com/phish', allowed: false });
    await page.waitForTimeout(100);
    expect(page.url()).toBe(url);
    const consoleUrl =
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups';
    await page.evaluate((u) => {
      window.open('https://evil.example/');
      window.open(u);
    }, consoleUrl);
    await waitFor(() => win.webContents.windowOpens.length === 2);
    expect(win.webContents.windowOpens.map((o) => o.action)).toEqual(['deny', 'deny']);
    await waitFor(() => world.openedExternal.length === 1);
    expect(world.openedExternal).toEqual([consoleUrl]);
    const answers: boolean[] = [];
    win.webContents.permissionRequestHandler!(win.webContents, 'media', (ok) => answers.push(ok));
    win.webContents.permissionRequestHandler!(win.webContents, 'notifications', (ok) => answers.push(ok));
    expect(answers).toEqual([false, false]);
    expect(win.webContents.permissionCheckHandler!()).toBe(false);
  });

  test('a hidden window gets no state; on show it gets the latest; Escape and blur hide it', async () => {
    const win = statusWindow();
    const page = win.webContents.bridge.page;
    win.blur();
    expect(win.isVisible()).toBe(false);
    const sentBefore = win.webContents.sent.length;
    // A state change while hidden: pause monitoring from the tray.
    expect(hooks()!.click('toggle-monitoring')).toBe(true);
    await waitFor(() => menuItem(/^Resume monitoring$/));
    expect(win.webContents.sent.length).toBe(sentBefore);
    hooks()!.click('open-window');
    await waitFor(() => win.isVisible());
    const last = win.webContents.sent.at(-1)!.payload as {
      type: string;
      state: { monitoringPaused: boolean };
    };
    expect(last.type).toBe('state');
    expect(last.state.monitoringPaused).toBe(true);
    await page.waitForFunction(() => document.getElementById('pause')?.textContent === 'Resume monitoring');
    win.webContents.emit('before-input-event', { preventDefault() {} }, { type: 'keyDown', key: 'Escape' });
    expect(win.isVisible()).toBe(false);
    hooks()!.click('toggle-monitoring');
  });

  test('the menu is not rebuilt and the icon not reset when nothing changed (no flicker)', async () => {
    const h = hooks()!.handle;
    const t = tray();
    // Freeze the live readings (pausing monitoring stops sampling), then feed states by hand.
    h.core.setMonitoringPaused(true);
    await waitFor(() => menuItem(/^Resume monitoring$/));
    await new Promise((r) => setTimeout(r, 150));
    const s = h.core.state();
    const menus = t.setContextMenuCalls;
    const images = t.setImageCalls;
    h.tray!.update(s);
    h.tray!.update(structuredClone(s));
    // A new sample that moves sparklines but not the menu or the meter step.
    if (s.machine) {
      h.tray!.update({
        ...s,
        machine: { ...s.machine, at: new Date().toISOString(), history: { cpu: [1, 2], mem: [3], gpu: [] } },
      });
    }
    expect(t.setContextMenuCalls).toBe(menus);
    expect(t.setImageCalls).toBe(images);
    // A change that matters rebuilds once.
    h.tray!.update({ ...s, monitoringPaused: false });
    expect(t.setContextMenuCalls).toBe(menus + 1);
    h.core.setMonitoringPaused(false);
    await waitFor(() => menuItem(/^Pause monitoring$/));
  });

  test('launch at login is a checkbox that follows the setting', async () => {
    const item = menuItem(/^Launch at login/)!;
    expect(item.type).toBe('checkbox');
    expect(item.checked).toBe(false);
    item.click!();
    await waitFor(() => menuItem(/^Launch at login/)!.checked === true);
    if (process.platform === 'linux') {
      // Electron has no login items on Linux: an XDG autostart entry that starts this app.
      const entry = fs.readFileSync(
        path.join(process.env.XDG_CONFIG_HOME!, 'autostart/offload.desktop'),
        'utf8',
      );
      expect(entry).toContain(`Exec=${process.execPath} ${ROOT}`);
    }
    menuItem(/^Launch at login/)!.click!();
    await waitFor(() => menuItem(/^Launch at login/)!.checked === false);
  });

  test('Open offload.yml hands the file to the OS; Choose project… without offload.yml offers to create one', async () => {
    expect(hooks()!.click('open-config')).toBe(true);
    expect(world.openedPaths).toEqual([path.join(project.dir, 'offload.yml')]);
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fresh-'));
    try {
      world.dialogAnswers.openDirectory.push(fresh);
      world.dialogAnswers.messageBoxResponse = 0; // "Create offload.yml"
      expect(hooks()!.click('choose-project')).toBe(true);
      await waitFor(() => hooks()!.handle.core.state().project?.dir === fresh, 20_000);
      expect(fs.existsSync(path.join(fresh, 'offload.yml'))).toBe(true);
      // Remembered for the next start.
      const remembered = () =>
        JSON.parse(fs.readFileSync(path.join(project.dataDir, 'settings.json'), 'utf8')).projectDir as string;
      await waitFor(() => remembered() === fresh);
      await waitFor(() =>
        tray().menu!.items.some((i) => i.id === 'header:status' && !/— demo/.test(i.label ?? '')),
      );
      // A cancelled picker changes nothing.
      world.dialogAnswers.openDirectory.push(null);
      hooks()!.click('choose-project');
      await new Promise((r) => setTimeout(r, 200));
      expect(hooks()!.handle.core.state().project?.dir).toBe(fresh);
      // Back to the demo project for the tests that follow.
      world.dialogAnswers.openDirectory.push(project.dir);
      hooks()!.click('choose-project');
      await waitFor(() => hooks()!.handle.core.state().project?.dir === project.dir, 20_000);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('a second launch focuses the first instead of starting another app', async () => {
    statusWindow().hide();
    const second = launchMain(world, app.main);
    await waitFor(() => second.quitCalls === 1);
    expect(second.trays).toHaveLength(0);
    expect(second.windows).toHaveLength(0);
    await waitFor(() => statusWindow().isVisible() && statusWindow().focused);
    expect(first.windows).toHaveLength(1);
  });

  test('with no tray area it says so once and opens the window instead', async () => {
    await hooks()!.handle.quit();
    first.app.quit();
    process.env.OFFLOAD_NO_TRAY = '1';
    const third = launchMain(world, app.main);
    try {
      await waitFor(() => third.windows[0]?.isVisible());
      expect(third.trays).toHaveLength(0);
      const said = third.notifications.filter((n) => /without a tray icon/.test(n.options.title));
      expect(said).toHaveLength(1);
    } finally {
      delete process.env.OFFLOAD_NO_TRAY;
      await hooks()?.handle.quit();
    }
  });
});
