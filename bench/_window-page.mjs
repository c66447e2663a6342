// Shared by the window benchmarks (not a benchmark itself: run-all skips files starting with "_").
// Opens the built status window (dist/renderer + the built preload) in Debian's Chromium, with the
// preload's ipcRenderer carried over Playwright bindings as in test/fixtures/electron/page-bridge.ts, and
// makes realistic, changing core states.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { ROOT } from './lib.mjs';

export const CHROMIUM = {
  executablePath:
    process.env.OFFLOAD_CHROMIUM ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
};
// BENCH_DIST: measure another build (e.g. a before/after comparison) instead of dist/.
const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist');
const PRELOAD = path.join(DIST, 'preload/preload.js');
const HTML = path.join(DIST, 'renderer/index.html');

const shim = (src) => `(() => {
  const listeners = new Set();
  const ipcRenderer = {
    invoke: (channel, ...args) => window.__electronInvoke(channel, args),
    on(channel, fn) { listeners.add(fn); return ipcRenderer; },
    removeListener(channel, fn) { listeners.delete(fn); return ipcRenderer; },
  };
  Object.defineProperty(window, '__electronEmit', { value: (c, p) => { for (const fn of listeners) fn({}, p); } });
  const contextBridge = { exposeInMainWorld(k, api) { Object.defineProperty(window, k, { value: Object.freeze(api) }); } };
  const require = (n) => { if (n === 'electron') return { contextBridge, ipcRenderer }; throw new Error(n); };
  const module = { exports: {} };
  (function (require, module, exports) {\n${src}\n})(require, module, module.exports);
})();`;

/** Launches Chromium once. */
export async function launch() {
  if (!fs.existsSync(PRELOAD) || !fs.existsSync(HTML))
    throw new Error('run `npm run build` first (dist/ is missing)');
  return chromium.launch(CHROMIUM);
}

/**
 * Opens a page. `window: true` loads the real status window; false loads a bare page with the same preload
 * and a listener that only acknowledges each event (the transport baseline).
 */
export async function openPage(browser, { window = true, initial }) {
  const context = await browser.newContext({ viewport: { width: 400, height: 560 } });
  const page = await context.newPage();
  let latest = initial;
  await page.exposeBinding('__electronInvoke', (_s, channel) =>
    channel === 'offload:getState' ? { result: latest } : { result: null },
  );
  await page.addInitScript(shim(fs.readFileSync(PRELOAD, 'utf8')));
  if (window) {
    await page.goto(pathToFileURL(HTML).href);
    await page.waitForSelector('body[data-ready="true"]');
  } else {
    await page.goto('about:blank');
    await page.evaluate(() => window.offload.onEvent(() => (window.__acks = (window.__acks ?? 0) + 1)));
  }
  return {
    page,
    context,
    /** Delivers a state event (what webContents.send does) and resolves when the page received it. */
    send: (state) => {
      latest = state;
      return page.evaluate((s) => window.__electronEmit('offload:event', { type: 'state', state: s }), state);
    },
    close: () => context.close(),
  };
}

const PHASES = ['local', 'aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'];
const TITLES = {
  local: 'Local build, tests and dev-system check',
  'aws-prepare': 'AWS preparation',
  'aws-deploy': 'AWS deployment',
  'aws-test': 'AWS testing',
  shutdown: 'Dev-system shutdown',
  monitor: 'Issue resolution (monitoring)',
};

/**
 * The i-th of a stream of states as the core would send them at 1 Hz: machine readings and their
 * 60-point histories move every time; a run progresses through steps with a growing tail; model servers
 * come and go (new pids); a CloudWatch error arrives every 30 s; a run finishes every 120 s (history grows
 * up to the core's bound of 20).
 */
export function makeState(i) {
  const hist = (off) => Array.from({ length: 60 }, (_, k) => 50 + 40 * Math.sin((i + k + off) / 7));
  const runNo = Math.floor(i / 120);
  const inRun = i % 120;
  const phases = PHASES.map((id, p) => ({
    id,
    title: TITLES[id],
    status:
      p * 20 < inRun
        ? p === 3 && runNo % 3 === 0
          ? 'failed'
          : 'passed'
        : p * 20 < inRun + 20
          ? 'running'
          : 'pending',
    steps: Array.from({ length: 3 }, (_, s) => ({
      id: `s${s}`,
      name: `Step ${s}`,
      kind: 'run',
      status: 'passed',
    })),
  }));
  const history = Array.from({ length: Math.min(20, runNo) }, (_, k) => ({
    runId: `run-${runNo - k}`,
    workflow: 'full',
    status: k % 3 === 0 ? 'failed' : 'passed',
    startedAt: new Date(1_700_000_000_000 + (runNo - k) * 120_000).toISOString(),
    durationMs: 100_000 + k,
  }));
  const models = Array.from({ length: i % 50 < 25 ? 3 : 1 }, (_, k) => ({
    pid: 10_000 + k + 10 * Math.floor(i / 50),
    ppid: 1,
    server: 'llama.cpp',
    title: `llama-server ${k}`,
    exe: '/usr/bin/llama-server',
    cmdline: 'llama-server -m model.gguf',
    cpuPct: (i * 7 + k) % 100,
    rssBytes: 4e9 + i * 1000,
    ports: [8080 + k],
    children: [],
    user: 'dev',
  }));
  const errors = Array.from({ length: Math.min(10, Math.floor(i / 30)) }, (_, k) => ({
    logGroup: `/ecs/service-${(Math.floor(i / 30) - k) % 4}`,
    at: new Date(1_700_000_000_000 + (Math.floor(i / 30) - k) * 30_000).toISOString(),
    message: `ERROR request ${Math.floor(i / 30) - k} failed: upstream timed out after 30000 ms`,
    count: 1 + (k % 3),
    consoleUrl: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups',
  }));
  return {
    project: { dir: '/p', name: 'bench', configFile: '/p/offload.yml' },
    configProblems: [],
    run: {
      runId: `run-${runNo + 1}`,
      workflow: 'full',
      status: 'running',
      startedAt: new Date().toISOString(),
      fingerprint: 'f',
      phases,
      current: { phase: PHASES[Math.min(5, Math.floor(inRun / 20))], step: `Step ${inRun % 3}` },
      tail: Array.from({ length: 40 }, (_, k) => `line ${i * 40 + k}: building module ${k} of 40`),
    },
    history,
    workflows: ['full', 'services', 'infrastructure', 'test', 'shutdown'].map((name, k) => ({
      name,
      phases: [PHASES[k]],
      allowed: k !== 3,
      reason: k === 3 ? 'nothing deployed yet' : undefined,
    })),
    machine: {
      at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      cpu: { loadPct: (i * 13) % 100, cores: 8 },
      mem: {
        totalBytes: 32e9,
        usedBytes: 16e9 + (i % 100) * 1e8,
        availableBytes: 16e9,
        swapTotalBytes: 0,
        swapUsedBytes: 0,
      },
      gpus: [{ index: 0, name: 'GPU', vendor: 'nvidia', utilizationPct: (i * 3) % 100 }],
      history: { cpu: hist(0), mem: hist(10), gpu: hist(20) },
      alerts: i % 200 < 20 ? [{ id: 'ram', message: 'RAM 93% used', since: 'x', topModels: [] }] : [],
    },
    models,
    aws: {
      gate: i % 60 < 30 ? 'ready' : 'not-ready',
      reason: i % 60 < 30 ? undefined : 'service api 1/2 running',
      services: [{ cluster: 'c', service: 'api', status: 'passed', running: 2, desired: 2 }],
      endpoints: [
        { name: 'health', url: 'https://x/health', status: 'passed', consecutivePasses: i % 5, required: 3 },
      ],
      alarms: [{ name: 'api-5xx', state: i % 90 < 10 ? 'ALARM' : 'OK' }],
      recentErrors: errors,
      configTarget: 'aws',
    },
    monitoringPaused: false,
    notices: [],
  };
}
