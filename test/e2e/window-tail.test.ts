/**
 * The live step-output tail in the real status window (built renderer + preload in Chromium) over the real core:
 * a step prints a bidi override (U+202E, Trojan Source), and the window shows it as ⟨U+202E⟩, as the CLI
 * does, never the raw character that would reorder what the user reads.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOffload, type Offload } from '../../main/core/offload';
import { CHROMIUM, type BridgePage } from '../fixtures/electron/page-bridge';
import { makeProject, tempDataDir } from '../helpers/cli';
import { openCoreWindow } from './helpers/core-window';
import { buildApp, type BuiltApp } from './helpers/build-app';

let app: BuiltApp;
let core: Offload;
let browser: Browser;
let page: BridgePage;
let dir: string;
let data: string;

// The step prints U+202E as its UTF-8 bytes (octal escapes), so offload.yml itself holds no bidi character.
const yaml = `name: tail-window
phases:
  local: { steps: [{ name: Build, run: "printf 'user\\\\342\\\\200\\\\256gpj.exe done\\\\n'; sleep 3" }] }
`;

beforeAll(async () => {
  app = await buildApp('window-tail');
  dir = makeProject(yaml);
  data = tempDataDir();
  core = await createOffload({
    projectDir: dir,
    dataDir: data,
    env: { ...process.env, OFFLOAD_HOME: data },
    log: () => undefined,
  });
  await core.trustProject();
  browser = await chromium.launch(CHROMIUM);
  page = await openCoreWindow({ browser, core, app });
}, 60_000);

afterAll(async () => {
  await page?.close().catch(() => undefined);
  await browser?.close();
  await core?.dispose();
  app?.cleanup();
  for (const d of [dir, data]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('the live tail in the window', () => {
  test('a bidi override in step output is shown as ⟨U+202E⟩, not obeyed', async () => {
    const run = core.run('local');
    const tail = page.page.locator('#tail');
    // The first line is offload's own (the command, with its octal escapes); the second is what the step printed.
    const lines = async () => ((await tail.textContent()) ?? '').split('\n');
    await expect.poll(async () => (await lines()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const text = (await tail.textContent()) ?? '';
    expect((await lines())[1]).toBe('user⟨U+202E⟩gpj.exe done');
    expect(text).not.toContain('\u202e');
    expect(page.errors).toEqual([]);
    expect((await run).status).toBe('passed');
  }, 30_000);
});
