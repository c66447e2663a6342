/**
 * The window's AWS section shows what AWS costs for the last deploy from the state alone (the renderer asks
 * nothing): the built renderer and preload in Debian's Chromium, fed a state with the cost summary the core
 * builds, then a state update over the budget with an unknown part.
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EVENT_CHANNEL } from '../../preload/api';
import { costSummaryOf, type CostRecord } from '../../main/core/aws/cost-view';
import { CHROMIUM, openBridgePage, type BridgePage } from '../fixtures/electron/page-bridge';
import { buildApp, type BuiltApp } from './helpers/build-app';
import { glanceStates } from './helpers/window-states';

let app: BuiltApp;
let browser: Browser;
const pages: BridgePage[] = [];

beforeAll(async () => {
  app = await buildApp('window-cost');
  browser = await chromium.launch(CHROMIUM);
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  app?.cleanup();
});

describe.runIf(process.platform === 'linux')('the AWS section: what AWS costs', () => {
  test('the cost line with what offloading freed; over budget: the warning and the unknown part', async () => {
    const now = Date.now();
    const deployedAt = new Date(now - 2 * 3_600_000).toISOString();
    const rec: CostRecord = {
      version: 1,
      deployment: { runId: 'r1', at: deployedAt },
      checkedAt: new Date(now).toISOString(),
      items: [{ name: 'dev/api', kind: 'fargate', usdPerHour: 0.42, basis: '1 task × (8 vCPU, 16 GB)' }],
      prices: { source: 'cache', fetchedAt: '2026-12-06T08:00:00.000Z' },
    };
    const state = glanceStates().ready;
    state.relief = {
      last: {
        at: deployedAt,
        titles: ['Ollama'],
        ramBytes: 9.2 * 2 ** 30,
        vramBytes: 6 * 2 ** 30,
        text: 'Freed',
      },
      today: { servedMs: 0, ramBytes: 0, text: '' },
      week: { servedMs: 0, ramBytes: 0, text: '' },
    };
    state.cost = costSummaryOf(rec, now);
    const bp = await openBridgePage({
      browser,
      preloadFile: app.preload,
      colorScheme: 'light',
      invoke: async (channel) => ({ result: channel === 'offload:getState' ? state : null }),
    });
    pages.push(bp);
    await bp.load(pathToFileURL(app.html).href);
    await bp.page.waitForSelector('body[data-ready="true"]');
    const line = bp.page.locator('#cost-line');
    expect(await line.textContent()).toMatch(
      /^AWS ≈ \$0\.42\/h since \d\d:\d\d \(\$0\.8[45]\) · freed 9\.2 GiB RAM, 6\.0 GiB VRAM$/,
    );
    expect(await line.getAttribute('class')).toBe('muted');
    expect(await bp.page.locator('#cost-details li').allTextContents()).toEqual([
      'prices from the cache of 2026-12-06 08:00 UTC',
    ]);

    const over = structuredClone(state);
    over.cost = costSummaryOf(
      {
        ...rec,
        items: [...rec.items, { name: 'dev/gpu', kind: 'ec2', unknown: 'g5.xlarge price not in the cache' }],
      },
      now,
      { perHour: 0.3 },
    );
    await bp.send(EVENT_CHANNEL, { type: 'state', state: over });
    await bp.page.waitForFunction(() => document.querySelector('#cost-line')?.className === 'warn');
    expect(await line.textContent()).toMatch(/^AWS ≈ \$0\.42\/h \+ unknown since /);
    expect(await bp.page.locator('#cost-details li').allTextContents()).toEqual([
      '⚠ AWS ≈ $0.42/h is over the budget of $0.30/h (notify.budget)',
      'dev/api: $0.4200/h (1 task × (8 vCPU, 16 GB))',
      'dev/gpu: unknown — g5.xlarge price not in the cache',
      'prices from the cache of 2026-12-06 08:00 UTC',
    ]);
  }, 30_000);
});
