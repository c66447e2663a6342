/**
 * Project text in the real status window (built renderer + preload in Chromium) over the real core: a step name,
 * the run's failure reason and an error line of the app's log carry a bidi override (U+202E, Trojan Source:
 * what the step printed, and the log line; offload.yml's schema refuses one in a name). Every place of the
 * window shows it as `⟨U+202E⟩`, as the CLI does, never the raw character that would reorder what the user reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTrustedWindow, type TrustedWindow } from './helpers/core-window';

let w: TrustedWindow;

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
  w = await openTrustedWindow('window-project-text', yaml, { 'app.log': 'INFO up\n' });
}, 60_000);
afterAll(() => w?.close());

describe('project text in the window', () => {
  test('a log notice and what a step printed show bidi controls as ⟨U+…⟩, in text and tooltips', async () => {
    const { core, page, dir } = w;
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
