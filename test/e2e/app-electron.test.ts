/**
 * The packaged flow in real Electron, with Playwright's `_electron`: launch, a tray menu action (through
 * the test hooks, since no OS tray is scriptable), the window opens, the workflow runs. Runs wherever
 * Electron's binary is installed; skipped with the reason where it is not (as on the team's CI boxes).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright';
import { afterAll, describe, expect, test } from 'vitest';
import { demoProject } from './helpers/project';

const ROOT = path.resolve(__dirname, '../..');

/** Electron's executable, without require('electron') (which tries to download it). */
function findElectron(): { exe?: string; reason?: string } {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    if (!fs.existsSync(pathFile))
      return { reason: "Electron's binary is not installed (node_modules/electron/path.txt missing)" };
    const exe = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
    return fs.existsSync(exe) ? { exe } : { reason: `Electron's binary is missing (${exe})` };
  } catch {
    return { reason: 'the electron package is not installed' };
  }
}

const electron = findElectron();
const built = fs.existsSync(path.join(ROOT, 'dist/main/app/main.js'));
const skipReason = !electron.exe
  ? electron.reason
  : !built
    ? 'dist/ is not built (npm run build)'
    : undefined;
if (skipReason)
  console.warn(
    `[app-electron] skipped: ${skipReason}. The stand-in test (app-standin) covers main/app here.`,
  );

describe.skipIf(Boolean(skipReason))(`real Electron${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let app: ElectronApplication | undefined;
  const project = demoProject();
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    project.cleanup();
  });

  test('launch, tray action, window opens, the workflow runs to ✅/❌', async () => {
    fs.mkdirSync(project.dataDir, { recursive: true });
    fs.writeFileSync(
      path.join(project.dataDir, 'settings.json'),
      JSON.stringify({ projectDir: project.dir }),
    );
    app = await _electron.launch({
      executablePath: electron.exe!,
      args: [ROOT, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, OFFLOAD_HOME: project.dataDir, OFFLOAD_TEST_HOOKS: '1', HOME: os.tmpdir() },
    });
    await app.evaluate(async () => {
      const g = globalThis as { __offloadTest?: unknown };
      for (let i = 0; i < 200 && !g.__offloadTest; i++) await new Promise((r) => setTimeout(r, 50));
      if (!g.__offloadTest) throw new Error('app did not start');
    });
    // Starts in the tray: no window yet.
    expect(app.windows()).toHaveLength(0);
    const clicked = await app.evaluate(() => {
      const t = (globalThis as { __offloadTest?: { click(id: string): boolean } }).__offloadTest!;
      return t.click('entry:full') && t.click('open-window');
    });
    expect(clicked).toBe(true);
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready="true"]');
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0]!;
      const wc = w.webContents as typeof w.webContents & {
        getLastWebPreferences?: () => Record<string, unknown>;
      };
      return wc.getLastWebPreferences?.() ?? null;
    });
    if (prefs) expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    const local = win.locator('#phases li[data-phase="local"]');
    await expect.poll(() => local.getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
      'undefined',
    );
  });
});
