/**
 * Will it fit, in the real status window (built renderer + preload in Debian's Chromium) over the real core
 * (issue 21): beside Back to local, the configured models' table — need, free, verdict and where the numbers
 * came from (a GGUF header in the Ollama store the test writes, or the real fixture Ollama's /api/show) —
 * and, when they would not fit, the button says it would be refused and why; clicking it is refused with the
 * numbers and the dev config stays on AWS. Screenshot: test-results/screenshots/window-fit.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOffload, type Offload } from '../../main/core/offload';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { TEST_ENV } from '../fixtures/aws-endpoint/helpers';
import { CHROMIUM, type BridgePage } from '../fixtures/electron/page-bridge';
import { ollamaStore, SHAPES, transformerSpec } from '../fixtures/gguf/write-gguf';
import { fixtureSandbox } from '../integration/machine-helpers';
import { openCoreWindow } from './helpers/core-window';
import { buildApp, ROOT, type BuiltApp } from './helpers/build-app';
import { DEMO_ENV, demoProject, type DemoProject } from './helpers/project';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
let app: BuiltApp;
let fake: FakeAws;
let project: DemoProject;
let core: Offload;
let browser: Browser;
let bp: BridgePage;
let sandbox: ReturnType<typeof fixtureSandbox>;

/** 4 trillion parameters at F16 (8 TB) from the header's counts alone: spills on any machine. */
const huge = () => {
  const spec = transformerSpec({ ...SHAPES['llama3.1-70b-q4km'], fileType: 1 });
  spec.tensors = [];
  spec.metadata.push(['general.parameter_count', { t: 'u64', v: 4_000_000_000_000n }]);
  return spec;
};

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await buildApp('window-fit');
  fake = await startFakeAws();
  fake.state.putLogs('/ecs/inference-api', ['INFO service started'], Date.now() - 60_000);
  fake.state.addService({ cluster: 'dev', service: 'inference-api', desired: 1 });
  fake.state.setAlarm('inference-5xx', 'OK', 'fine', '5XXError');
  project = demoProject({ awsUrl: fake.url, switchEnv: true });
  sandbox = fixtureSandbox('offload-window-fit-');
  const store = path.join(sandbox.dir, 'ollama-models');
  ollamaStore(store, { 'phi3:mini': transformerSpec(SHAPES['phi3-mini-q6k']), 'huge:latest': huge() });
  // llama3.1:8b is in no store here: the running Ollama (the fixture server) says what it is.
  const ollama = await sandbox.start('ollama', ['serve'], {
    env: { OLLAMA_HOST: '127.0.0.1:0', FIXTURE_MODELS: '' },
  });
  fs.appendFileSync(
    path.join(project.dir, 'offload.yml'),
    [
      '  local-models:',
      '    start: "true"',
      'models:',
      '  fit:',
      '    models: ["phi3:mini", "llama3.1:8b", "huge:latest"]',
      '',
    ].join('\n'),
  );
  core = await createOffload({
    dataDir: project.dataDir,
    projectDir: project.dir,
    env: {
      ...process.env,
      ...TEST_ENV,
      OFFLOAD_HOME: project.dataDir,
      OLLAMA_MODELS: store,
      OLLAMA_HOST: `127.0.0.1:${String(ollama.info.port)}`,
    },
  });
  expect(core.state().configProblems).toEqual([]);
  await core.trustProject();
  browser = await chromium.launch(CHROMIUM);
  bp = await openCoreWindow({ browser, core, app });
}, 60_000);

afterAll(async () => {
  await bp?.close().catch(() => undefined);
  await browser?.close();
  await core?.dispose();
  await sandbox?.cleanup();
  await fake?.close();
  project?.cleanup();
  app?.cleanup();
});

describe('Will it fit beside Back to local', () => {
  test('the table: each configured model’s need, the free memory, the verdict and the source of the numbers', async () => {
    const { page } = bp;
    await expect.poll(() => page.locator('#fit').getAttribute('hidden'), { timeout: 20_000 }).toBeNull();
    // The AWS section (where the switch is) may be folded to fit the window: the user opens it.
    const toggle = page.locator('button[data-fold="aws"]');
    if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
    await expect.poll(() => page.locator('#fit').isVisible()).toBe(true);
    const row = (name: string) => page.locator(`#fit-rows tr[data-item="fit-${name}"]`);
    await expect.poll(() => page.locator('#fit-rows tr').count(), { timeout: 10_000 }).toBe(3);
    expect(await row('phi3:mini').locator('.detail').textContent()).toBe('Q6_K · 4k ctx · from GGUF header');
    expect(await row('phi3:mini').locator('.need').textContent()).toMatch(/^≈ [\d.]+ GiB$/);
    expect(await row('llama3.1:8b').locator('.detail').textContent()).toBe(
      'Q4_K_M · 4k ctx · from Ollama /api/show',
    );
    expect(await row('huge:latest').getAttribute('data-verdict')).toBe('would spill to swap');
    expect(await row('huge:latest').locator('.verdict').textContent()).toBe('⚠ would spill to swap');
    expect(await row('huge:latest').locator('.need').textContent()).toMatch(/^≈ [\d.]+ TiB$/);
    expect(await page.locator('#fit-line').textContent()).toMatch(
      /^Back to local starts 3 models: ([\d.]+ [KMGT]i?B VRAM \+ )?[\d.]+ [KMGT]i?B RAM free$/,
    );
    const toLocal = page.locator('#switch-local');
    expect(await toLocal.getAttribute('data-fit')).toBe('refused');
    expect(await toLocal.getAttribute('aria-describedby')).toBe('fit-refusal');
    const refusal = page.locator('#fit-refusal');
    expect(await refusal.isVisible()).toBe(true);
    expect(await refusal.textContent()).toMatch(
      /^Back to local would be refused: phi3:mini \+ llama3\.1:8b \+ huge:latest needs ≈ [\d.]+ TiB at 4k context; free: .* → would spill to swap\. Switch anyway: offload switch local --force$/,
    );
    expect(bp.errors).toEqual([]);
  });

  test('Back to local, clicked while the models would not fit, is refused with the numbers; the config stays on AWS', async () => {
    const { page } = bp;
    const envFile = path.join(project.dir, '.env');
    const onAws = DEMO_ENV.replace('http://127.0.0.1:11434', `${fake.url}/v1`);
    fs.writeFileSync(envFile, onAws); // the tools point at AWS (as a switch to AWS leaves them)
    const toLocal = page.locator('#switch-local');
    await expect.poll(() => toLocal.isDisabled(), { timeout: 20_000 }).toBe(false);
    await page.locator('#view-aws').screenshot({ path: path.join(SHOTS, 'window-fit.png') });
    await toLocal.click();
    await expect
      .poll(() => page.locator('#action-line').textContent(), { timeout: 10_000 })
      .toMatch(
        /needs ≈ [\d.]+ TiB at 4k context; free: .* → would spill to swap\. Switch anyway with --force\./,
      );
    expect(fs.readFileSync(envFile, 'utf8')).toBe(onAws);
  });
});
