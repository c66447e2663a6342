/**
 * A notice's click opens the status window at its target: the built renderer and preload in Debian's Chromium,
 * fed a state with the notices a real LocalLogWatch raised from a real log file (an error burst and a FIFO it
 * refused), then sent the `navigate` event a click sends. Each click must land on a row that is shown (the
 * highlighted element carries the notice's item), not on an item the window never renders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EVENT_CHANNEL } from '../../preload/api';
import { LocalLogWatch } from '../../main/core/notify/local-logs';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';
import { CHROMIUM, openBridgePage, type BridgePage } from '../fixtures/electron/page-bridge';
import { buildApp, type BuiltApp } from './helpers/build-app';
import { glanceStates } from './helpers/window-states';

let app: BuiltApp;
let browser: Browser;
let dir: string;
const pages: BridgePage[] = [];

/** Notices a real local-log watch raises: an error burst in logs/app.log and a FIFO it will not follow. */
function localNotices(): Notice[] {
  fs.mkdirSync(path.join(dir, 'logs'));
  const log = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(log, 'INFO up\n');
  const notifier = new Notifier({ dedupeMs: 0 });
  const notices: Notice[] = [];
  notifier.subscribe((n) => notices.push(n));
  const watch = new LocalLogWatch({
    dir,
    logs: [{ path: 'logs/*.log' }, { path: 'pipe.log' }],
    notifier,
    windowMs: 0,
  });
  execFileSync('mkfifo', [path.join(dir, 'pipe.log')]);
  watch.poll();
  fs.appendFileSync(log, 'ERROR db connect failed\nERROR retry failed\n');
  watch.poll();
  watch.close();
  return notices;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-notice-targets-'));
  app = await buildApp('notice-targets');
  browser = await chromium.launch(CHROMIUM);
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  app?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('notice clicks open what the window shows', () => {
  test('local-log notices (an error burst, a refused FIFO) and CloudWatch errors land on their rows', async () => {
    const local = localNotices();
    expect(local.map((n) => [n.title, n.target])).toEqual([
      ['Not following pipe.log', { view: 'errors', item: 'local:pipe.log' }],
      ['2 new errors in logs/app.log', { view: 'errors', item: 'local:logs/app.log' }],
    ]);
    const state = glanceStates().error;
    const cloudwatch: Notice = {
      id: 'n-cw',
      at: new Date().toISOString(),
      level: 'error',
      title: 'New error in /ecs/inference-api',
      body: 'ERROR upstream timed out',
      target: { view: 'errors', item: '/ecs/inference-api' },
      source: 'cloudwatch-logs',
    };
    state.notices = [cloudwatch, ...local];
    const bp = await openBridgePage({
      browser,
      preloadFile: app.preload,
      colorScheme: 'light',
      invoke: async (channel) => ({ result: channel === 'offload:getState' ? state : null }),
    });
    pages.push(bp);
    await bp.load(pathToFileURL(app.html).href);
    await bp.page.waitForSelector('body[data-ready="true"]');

    for (const notice of state.notices) {
      await bp.send(EVENT_CHANNEL, { type: 'navigate', target: notice.target });
      const landed = await bp.page.evaluate(() => {
        const h = document.querySelector<HTMLElement>('.highlight');
        return h
          ? {
              item: h.dataset.item ?? null,
              section: h.closest('section')?.id ?? null,
              visible: h.offsetParent !== null,
              text: h.textContent ?? '',
            }
          : null;
      });
      expect(landed, notice.title).toMatchObject({
        item: notice.target.item,
        section: `view-${notice.target.view}`,
        visible: true,
      });
      if (notice.source === 'local-logs') expect(landed!.text).toContain(notice.body.slice(0, 40));
    }
    // The section's badge counts the local logs beside CloudWatch's errors; the empty line is hidden.
    expect(await bp.page.locator('#badge-errors').textContent()).toBe('5');
    expect(await bp.page.locator('#errors-empty').isHidden()).toBe(true);
  });
});
