/* global requestAnimationFrame */
// The status window after an hour of updates at 1 Hz (accelerated: 3600 state events, each rendered):
// JS heap and DOM node count after a forced GC, compared in the same run with the same page after 20
// simulated minutes (1200 updates), when every bounded list (history, errors, tail, sparklines) is full.
// Bounded history means the heap ratio stays near 1 and the element count stops growing.
import { launch, makeState, openPage } from './_window-page.mjs';

const UPDATES = Number(process.env.BENCH_UPDATES ?? 3600);
const WARM = Number(process.env.BENCH_WARM ?? 1200);
const browser = await launch();
try {
  const win = await openPage(browser, { window: true, initial: makeState(0) });
  const cdp = await win.context.newCDPSession(win.page);
  await cdp.send('HeapProfiler.enable');
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    const nodes = await win.page.evaluate(() => document.getElementsByTagName('*').length);
    return { heapUsed: heap.usedSize, domNodes: dom.nodes, elements: nodes, listeners: dom.jsEventListeners };
  };
  const frame = () => win.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  const t0 = performance.now();
  let baseline;
  let peakElements = 0;
  for (let i = 1; i <= UPDATES; i++) {
    await win.send(makeState(i));
    await frame();
    if (i === WARM) baseline = await measure();
    if (i % 300 === 0) peakElements = Math.max(peakElements, (await measure()).elements);
  }
  const after = await measure();
  console.log(
    JSON.stringify({
      bench: 'window-memory',
      updates: UPDATES,
      simulatedHours: +(UPDATES / 3600).toFixed(2),
      wallS: +((performance.now() - t0) / 1000).toFixed(1),
      baselineAfterUpdates: WARM,
      heapBaselineMB: +(baseline.heapUsed / 2 ** 20).toFixed(2),
      heapAfterMB: +(after.heapUsed / 2 ** 20).toFixed(2),
      heapRatio: +(after.heapUsed / baseline.heapUsed).toFixed(3),
      elementsBaseline: baseline.elements,
      elementsAfter: after.elements,
      elementsPeak: peakElements,
      domNodesBaseline: baseline.domNodes,
      domNodesAfter: after.domNodes,
      listenersBaseline: baseline.listeners,
      listenersAfter: after.listeners,
      target: 'heapRatio ≤ 1.2, elements bounded (no growth with time)',
    }),
  );
  await win.close();
} finally {
  await browser.close();
}
