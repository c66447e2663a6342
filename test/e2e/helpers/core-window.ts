/**
 * The built window over a real core, in Chromium: the bridge handlers main/app registers, the state events the
 * core publishes, the page loaded and ready. What the e2e window tests open; closing it stops the events.
 */
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright';
import { createBridgeHandlers, handleRequest } from '../../../main/app/bridge-handlers';
import type { Offload } from '../../../main/core/offload';
import { EVENT_CHANNEL } from '../../../preload/api';
import { openBridgePage, type BridgePage } from '../../fixtures/electron/page-bridge';
import type { BuiltApp } from './build-app';

/** The shell side of the bridge (links, the project chooser, the clipboard); nothing by default. */
type Shell = Parameters<typeof createBridgeHandlers>[1];

/** Opens the app's window on `core`; `close()` unsubscribes and closes the page. */
export async function openCoreWindow(o: {
  browser: Browser;
  core: Offload;
  app: BuiltApp;
  colorScheme?: 'light' | 'dark';
  shell?: Partial<Shell>;
}): Promise<BridgePage> {
  const { core } = o;
  const handlers = createBridgeHandlers(core, {
    openExternal: async () => undefined,
    chooseProject: async () => undefined,
    writeClipboard: () => undefined,
    ...o.shell,
  });
  const bp = await openBridgePage({
    browser: o.browser,
    preloadFile: o.app.preload,
    ...(o.colorScheme ? { colorScheme: o.colorScheme } : {}),
    invoke: (channel, args) => handleRequest(handlers, core, channel.replace(/^offload:/, ''), args),
  });
  const unsub = core.subscribe(
    (state) => void bp.send(EVENT_CHANNEL, { type: 'state', state }).catch(() => undefined),
  );
  const close = bp.close;
  bp.close = async () => {
    unsub();
    await close();
  };
  await bp.load(pathToFileURL(o.app.html).href);
  await bp.page.waitForSelector('body[data-ready="true"]');
  return bp;
}
