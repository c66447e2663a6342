/**
 * "Cause resolved" in the real status window (built renderer + preload in Chromium) over the real core and
 * bridge: after a transient alarm, the button is refused while the alarm is in ALARM, and once it cleared it
 * restarts phase 6's quiet period without a redeploy (journalled as the window's acknowledgement).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOffload, type Offload } from '../../main/core/offload';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { CHROMIUM, type BridgePage } from '../fixtures/electron/page-bridge';
import { waitFor } from '../helpers/process';
import { openCoreWindow } from './helpers/core-window';
import { buildApp, type BuiltApp } from './helpers/build-app';

let app: BuiltApp;
let fake: FakeAws;
let core: Offload;
let browser: Browser;
let page: BridgePage;
let dir: string;

beforeAll(async () => {
  app = await buildApp('phase6-ack');
  fake = await startFakeAws();
  fake.state.setAlarm('api-5xx', 'OK');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-ack-window-'));
  fs.writeFileSync(
    path.join(dir, 'offload.yml'),
    `name: ack-window
aws: { endpoint: ${fake.url}, region: us-east-1, max-attempts: 1, timeout: 2s }
notify: { desktop: false, interval: 1s, quiet-period: 2s, alarms: { names: [api-5xx] } }
phases:
  local: { steps: [{ name: Tests, run: "true" }] }
  aws-deploy: { steps: [{ name: Deploy, run: "true" }] }
  aws-test: { steps: [{ name: E2E, run: "true" }] }
`,
  );
  core = await createOffload({
    projectDir: dir,
    dataDir: `${dir}-data`,
    env: { ...process.env, ...TEST_ENV, OFFLOAD_HOME: `${dir}-data` },
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
  await fake?.close();
  app?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(`${dir}-data`, { recursive: true, force: true });
});

describe('Cause resolved, from the window', () => {
  test('refused while the alarm fires; once it cleared, phase 6 watches again without a redeploy', async () => {
    expect((await core.run('full')).status).toBe('passed');
    const ack = page.page.locator('#ack-phase6');
    await waitFor(() => core.state().phase6?.status === 'stable', 20_000, 'stable');
    expect(await ack.isDisabled()).toBe(true);

    fake.state.setAlarm('api-5xx', 'ALARM');
    await waitFor(() => core.state().phase6?.status === 'unstable', 20_000, 'unstable');
    await page.page.waitForFunction(
      () => !(document.getElementById('ack-phase6') as HTMLButtonElement).disabled,
    );
    await ack.click();
    await page.page.waitForFunction(() =>
      /still in ALARM/.test(document.getElementById('action-line')!.textContent ?? ''),
    );
    expect(core.state().phase6?.status).toBe('unstable');

    fake.state.setAlarm('api-5xx', 'OK');
    await waitFor(() => core.state().aws?.alarms.some((a) => a.state === 'OK'), 20_000, 'the alarm cleared');
    await ack.click();
    await page.page.waitForFunction(() =>
      /Acknowledged: watching the deployment again/.test(
        document.getElementById('action-line')!.textContent ?? '',
      ),
    );
    expect(core.state().phase6).toMatchObject({ status: 'watching', acknowledgedAt: expect.any(String) });
    await page.page.waitForFunction(
      () => (document.getElementById('ack-phase6') as HTMLButtonElement).disabled,
    );
    await waitFor(() => core.state().phase6?.status === 'stable', 20_000, 'stable again');
    const journal = fs
      .readdirSync(`${dir}-data`, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('journal.jsonl'))
      .map((f) => fs.readFileSync(path.join(`${dir}-data`, f), 'utf8'))
      .join('');
    expect(journal).toMatch(/"kind":"phase6-ack","data":\{[^}]*"by":"window"/);
    expect(core.history()!.listRuns(10)).toHaveLength(1); // no redeploy
    // The window's history shows what the rule (here: the window's acknowledgement) did beside the run.
    await page.page.waitForFunction(() =>
      [...document.querySelectorAll('#history li.rule-action')].some((li) =>
        /⚙ phase 6: cause acknowledged as resolved in the window/.test(li.textContent ?? ''),
      ),
    );
    const rows = await page.page.locator('#history li').allTextContents();
    expect(rows.findIndex((t) => t.includes('acknowledged'))).toBeLessThan(
      rows.findIndex((t) => /full passed/.test(t)),
    );
  }, 60_000);
});
