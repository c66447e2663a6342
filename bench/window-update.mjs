/* global requestAnimationFrame */
// Two figures for a state update in the status window (built preload + renderer in Chromium):
//  1. shown: time from delivering a state event until the new CPU reading is in the DOM and a frame was
//     produced, against the same delivery to a bare page that only acknowledges it (transport alone).
//  2. the renderer's own cost per update: main-thread script + style + layout time in the window page
//     (Chromium's Performance.getMetrics, read before and after), minus the same for the bare page fed the
//     same way: what rendering the update costs, without the transport and without the bench's polling.
// Targets: shown p95 ≤ 100 ms end to end; renderer cost ≤ 10 ms per typical update.
import { median } from './lib.mjs';
import { launch, makeState, openPage } from './_window-page.mjs';

const N = Number(process.env.BENCH_UPDATES ?? 200);
const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const afterFrame = (page) =>
  // The renderer renders in its requestAnimationFrame callback; ours is queued after it, and the timeout
  // after that frame's style/layout/paint.
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));

async function metrics(cdp) {
  const { metrics: m } = await cdp.send('Performance.getMetrics');
  const v = Object.fromEntries(m.map((x) => [x.name, x.value]));
  return {
    script: v.ScriptDuration * 1000,
    style: v.RecalcStyleDuration * 1000,
    layout: v.LayoutDuration * 1000,
  };
}

/** Per-update main-thread cost (ms) of feeding `updates` states to `target`, one frame each. */
async function cost(target, from, updates) {
  const cdp = await target.context.newCDPSession(target.page);
  await cdp.send('Performance.enable');
  const per = [];
  const parts = { script: 0, style: 0, layout: 0 };
  for (let i = from; i < from + updates; i++) {
    const a = await metrics(cdp);
    await target.send(makeState(i));
    await afterFrame(target.page);
    const b = await metrics(cdp);
    for (const k of Object.keys(parts)) parts[k] += b[k] - a[k];
    per.push(b.script - a.script + (b.style - a.style) + (b.layout - a.layout));
  }
  await cdp.detach();
  return { per, parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v / updates])) };
}

const browser = await launch();
try {
  const win = await openPage(browser, { window: true, initial: makeState(0) });
  const bare = await openPage(browser, { window: false, initial: makeState(0) });
  // Warm up both paths.
  for (let i = 1; i <= 20; i++) {
    await win.send(makeState(i));
    await bare.send(makeState(i));
  }
  const shown = [];
  const transport = [];
  for (let i = 21; i < 21 + N; i++) {
    const s = makeState(i);
    const want = `${Math.round(s.machine.cpu.loadPct)}%`;
    let t0 = performance.now();
    await bare.send(s);
    transport.push(performance.now() - t0);
    t0 = performance.now();
    await win.send(s);
    // Until the new reading is in the DOM and a frame with it has been produced.
    await win.page.waitForFunction(
      (w) =>
        document.querySelector('[data-item="cpu"] .value')?.textContent === w &&
        new Promise((r) => requestAnimationFrame(() => r(true))),
      want,
      { polling: 'raf' },
    );
    shown.push(performance.now() - t0);
  }
  // The renderer's own cost: the same stream continued, measured without polling.
  const from = 21 + N;
  const w = await cost(win, from, N);
  const b = await cost(bare, from, N);
  const net = w.per.map((x, k) => x - b.per[k]);
  const result = {
    bench: 'window-update',
    updates: N,
    shownMedianMs: +median(shown).toFixed(1),
    shownP95Ms: +p(shown, 0.95).toFixed(1),
    transportMedianMs: +median(transport).toFixed(1),
    netMedianMs: +(median(shown) - median(transport)).toFixed(1),
    ratioVsTransport: +(median(shown) / median(transport)).toFixed(2),
    rendererCostMedianMs: +median(net).toFixed(2),
    rendererCostP95Ms: +p(net, 0.95).toFixed(2),
    rendererCostMeanMs: +(net.reduce((s, x) => s + x, 0) / net.length).toFixed(2),
    rendererCostParts: Object.fromEntries(
      Object.keys(w.parts).map((k) => [`${k}Ms`, +(w.parts[k] - b.parts[k]).toFixed(2)]),
    ),
    targetMs: 100,
    withinTarget: p(shown, 0.95) <= 100,
    rendererTargetMs: 10,
    rendererWithinTarget: median(net) <= 10,
  };
  console.log(JSON.stringify(result));
  await win.close();
  await bare.close();
} finally {
  await browser.close();
}
