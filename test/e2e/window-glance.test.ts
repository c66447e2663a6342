/**
 * The status window at a glance: the built renderer and preload in Debian's Chromium at the window's
 * 400 × 560, fed state snapshots of the common states (idle, running, AWS ready, error, unstable), in light
 * and dark. Each must fit without a vertical scrollbar (the document and the section area both), keyboard
 * operable (section heads are buttons; Enter/Space fold them and the choice is remembered), readable at
 * 200 % (no horizontal overflow). Screenshots go to test-results/screenshots/glance-<state>-<scheme>.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, openBridgePage, type BridgePage } from '../fixtures/electron/page-bridge';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';
import { glanceStates, type GlanceState } from './helpers/window-states';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const STATES = glanceStates();
let app: BuiltApp;
let browser: Browser;
const pages: BridgePage[] = [];

async function open(state: GlanceState, colorScheme: 'light' | 'dark' = 'light') {
  const calls: string[] = [];
  const bp = await openBridgePage({
    browser,
    preloadFile: app.preload,
    colorScheme,
    invoke: async (channel) => {
      calls.push(channel);
      if (channel === 'offload:getState') return { result: state };
      return { result: null };
    },
  });
  await bp.load(pathToFileURL(app.html).href);
  await bp.page.waitForSelector('body[data-ready="true"]');
  pages.push(bp);
  return { ...bp, calls };
}

/** Scroll metrics of the page and of the section area (which scrolls only when the user opens everything). */
const fit = (bp: BridgePage) =>
  bp.page.evaluate(() => {
    const doc = document.scrollingElement!;
    const main = document.querySelector('main')!;
    return {
      doc: { scroll: doc.scrollHeight, client: doc.clientHeight },
      main: { scroll: main.scrollHeight, client: main.clientHeight },
      // What the header and the sections take (main stretches to the window, so not its scrollHeight).
      content:
        document.querySelector('header')!.offsetHeight +
        Array.from(main.children).reduce((n, c) => n + (c as HTMLElement).offsetHeight, 0),
      wide: doc.scrollWidth - doc.clientWidth,
    };
  });

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await buildApp('glance');
  browser = await chromium.launch(CHROMIUM);
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  app?.cleanup();
});

describe('the status window at a glance (400 × 560)', () => {
  for (const name of Object.keys(STATES) as (keyof typeof STATES)[]) {
    test(`${name}: fits without scrolling, light and dark, and leads with what needs attention`, async () => {
      for (const scheme of ['light', 'dark'] as const) {
        const w = await open(STATES[name], scheme);
        const m = await fit(w);
        console.log(
          `glance ${name} ${scheme}: content ${m.content} px (doc ${m.doc.scroll}/${m.doc.client})`,
        );
        await w.page.screenshot({ path: path.join(SHOTS, `glance-${name}-${scheme}.png`) });
        expect(m.doc.scroll, `${name} ${scheme}: document scrolls`).toBeLessThanOrEqual(m.doc.client);
        expect(m.main.scroll, `${name} ${scheme}: sections scroll`).toBeLessThanOrEqual(m.main.client);
        expect(m.wide).toBeLessThanOrEqual(0);
        if (scheme === 'dark') {
          const bg = await w.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          expect(bg).not.toBe('rgb(255, 255, 255)');
        }
        expect(w.errors).toEqual([]);
        await w.close();
      }
    });
  }

  test('the summary line says what needs attention first', async () => {
    const line = async (s: GlanceState) => {
      const w = await open(s);
      const el = w.page.locator('#status-line');
      const out = { text: await el.textContent(), level: await el.getAttribute('data-level') };
      await w.close();
      return out;
    };
    expect(await line(STATES.idle)).toEqual({ text: 'Idle', level: 'idle' });
    expect(await line(STATES.running)).toEqual({ text: '⏳ full: AWS — Push image', level: 'busy' });
    expect(await line(STATES.ready)).toMatchObject({
      text: expect.stringMatching(/^✅ AWS ready/),
      level: 'ok',
    });
    expect(await line(STATES.error)).toEqual({
      text: '❌ local failed at Local — Dev system check',
      level: 'error',
    });
    expect(await line(STATES.unstable)).toMatchObject({
      text: expect.stringMatching(/^❌ Unstable after deploy of a1b2c3d/),
      level: 'error',
    });
  });

  test('the workflow shows each phase with its step count and duration; the machine shows GPU, CPU and RAM', async () => {
    const w = await open(STATES.ready);
    expect(await w.page.locator('#phases li[data-phase="local"] .meta').textContent()).toMatch(
      /^3 steps · \d+\.\d s$/,
    );
    expect(await w.page.locator('#phases li[data-phase="monitor"] .meta').textContent()).toMatch(
      /^stable since/,
    );
    for (const id of ['cpu', 'gpu', 'ram'])
      expect(await w.page.locator(`[data-item="${id}"] .value`).isVisible()).toBe(true);
    expect(await w.page.locator('[data-item="gpu"] .value').textContent()).toBe('12% · 3.0 GiB');
    await w.close();
  });

  test('errors show their deployment; Copy error context and Redeploy after fix go through the bridge', async () => {
    const w = await open(STATES.unstable);
    const first = w.page.locator('#errors li').first();
    expect(await first.locator('.meta').textContent()).toContain('after deploy of a1b2c3d, 9 min ago');
    expect(await w.page.locator('#phase6-line').textContent()).toMatch(/Unstable after deploy of a1b2c3d/);
    await w.page.locator('#copy-error').click();
    await w.page.locator('#redeploy').click();
    await expect
      .poll(() => w.calls)
      .toEqual(expect.arrayContaining(['offload:copyErrorContext', 'offload:redeploy']));
    // Without an error there is nothing to copy; without the local gate, no redeploy: both say why.
    const idle = await open(STATES.idle);
    expect(await idle.page.locator('#copy-error').isDisabled()).toBe(true);
    expect(await idle.page.locator('#copy-error').getAttribute('title')).toBe('No error yet');
    expect(await idle.page.locator('#redeploy').isDisabled()).toBe(true);
    expect(await idle.page.locator('#redeploy').getAttribute('title')).toMatch(/local phase has not passed/);
  });

  test('keyboard: section heads are buttons that fold with Enter and Space, with visible focus, remembered', async () => {
    const w = await open(STATES.ready);
    const { page } = w;
    const toggle = page.locator('button[data-fold="history"]');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#body-history').isVisible()).toBe(false);
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('#body-history').isVisible()).toBe(true);
    const outline = await toggle.evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(outline).toBe('solid');
    const machine = page.locator('button[data-fold="machine"]');
    await machine.focus();
    await page.keyboard.press('Space');
    expect(await machine.getAttribute('aria-expanded')).toBe('false');
    // Collapsed, the head's badge still gives the readings.
    expect(await page.locator('#badge-machine').textContent()).toMatch(/^CPU 37% {2}GPU 12% {2}RAM 64%/);
    // Remembered: a reload keeps both choices.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('button[data-fold="history"]').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('button[data-fold="machine"]').getAttribute('aria-expanded')).toBe('false');
    await page.evaluate(() => localStorage.clear());
  });

  test('readable at 200 % zoom: nothing cut off sideways in any state', async () => {
    for (const name of Object.keys(STATES) as (keyof typeof STATES)[]) {
      const w = await open(STATES[name]);
      await w.page.evaluate(
        () => ((document.body.style as CSSStyleDeclaration & { zoom: string }).zoom = '2'),
      );
      const m = await fit(w);
      expect(m.wide, `${name} at 200 %`).toBeLessThanOrEqual(1);
      if (name === 'unstable')
        await w.page.screenshot({ path: path.join(SHOTS, 'glance-unstable-zoom-200.png') });
      await w.close();
    }
  });
});
