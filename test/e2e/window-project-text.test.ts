/**
 * Project text in the real status window (built renderer + preload in Chromium) over the real core: a step name,
 * the run's failure reason and an error line of the app's log carry a bidi override (U+202E, Trojan Source:
 * what the step printed, and the log line; offload.yml's schema refuses one in a name). Every place of the
 * window shows it as `⟨U+202E⟩`, as the CLI does, never the raw character that would reorder what the user reads.
 */
import fs from 'node:fs';
import path from 'node:path';
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

// The step prints U+202E as its UTF-8 bytes (octal escapes); the app's log (a local log the watch follows)
// gets an error line with U+202E.
const yaml = `name: text-window
notify: { desktop: false, interval: 1s, local-logs: [{ path: app.log }] }
phases:
  local:
    steps:
      - name: Build
        run: "printf 'error: user\\\\342\\\\200\\\\256gpj.exe failed\\\\n' >&2; exit 3"
`;

/** Every bidi control and C0/C1 control but tab and newline. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

beforeAll(async () => {
  app = await buildApp('window-project-text');
  dir = makeProject(yaml, { 'app.log': 'INFO up\n' });
  data = tempDataDir();
  core = await createOffload({
    projectDir: dir,
    dataDir: data,
    env: { ...process.env, OFFLOAD_HOME: data },
    watch: true,
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

describe('project text in the window', () => {
  test('a log notice and what a step printed show bidi controls as ⟨U+…⟩, in text and tooltips', async () => {
    const run = await core.run('local');
    expect(run.status).toBe('failed');
    const body = page.page.locator('body');
    await expect.poll(async () => (await body.innerText()).includes('Build'), { timeout: 10_000 }).toBe(true);
    fs.appendFileSync(path.join(dir, 'app.log'), 'ERROR user\u202egpj.exe crashed\n');
    await expect
      .poll(async () => (await body.innerText()).includes('user⟨U+202E⟩gpj.exe crashed'), { timeout: 10_000 })
      .toBe(true);
    const text = await body.innerText();
    expect(text, text).not.toMatch(RAW);
    const titles = await page.page.$$eval('[title]', (els) => els.map((e) => e.getAttribute('title') ?? ''));
    expect(titles.join('\n')).not.toMatch(RAW);
    expect(page.errors).toEqual([]);
  }, 30_000);
});
