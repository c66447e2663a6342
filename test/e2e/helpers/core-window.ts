/**
 * The built window over a real core, in Chromium: the bridge handlers main/app registers, the state events the
 * core publishes, the page loaded and ready. What the e2e window tests open; closing it stops the events.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createBridgeHandlers, handleRequest } from '../../../main/app/bridge-handlers';
import { createOffload, type Offload } from '../../../main/core/offload';
import { EVENT_CHANNEL } from '../../../preload/api';
import { CHROMIUM, openBridgePage, type BridgePage } from '../../fixtures/electron/page-bridge';
import { makeProject, tempDataDir } from '../../helpers/cli';
import { buildApp, type BuiltApp } from './build-app';

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

/** A project opened by a trusted, watching core and shown in the built window: what a window test looks at. */
export interface TrustedWindow {
  app: BuiltApp;
  core: Offload;
  page: BridgePage;
  /** The project folder (offload.yml and `files`). */
  dir: string;
  /** Everything opened, closed and removed. */
  close(): Promise<void>;
}

/** Builds the app, opens `yaml` (and `files`) as a trusted project with a real core, and its window in Chromium. */
export async function openTrustedWindow(
  name: string,
  yaml: string,
  files: Record<string, string> = {},
): Promise<TrustedWindow> {
  const app = await buildApp(name);
  const dir = makeProject(yaml, files);
  const data = tempDataDir();
  const core = await createOffload({
    projectDir: dir,
    dataDir: data,
    env: { ...process.env, OFFLOAD_HOME: data },
    watch: true,
    log: () => undefined,
  });
  await core.trustProject();
  const browser = await chromium.launch(CHROMIUM);
  const page = await openCoreWindow({ browser, core, app });
  return {
    app,
    core,
    page,
    dir,
    close: async () => {
      await page.close().catch(() => undefined);
      await browser.close();
      await core.dispose();
      app.cleanup();
      for (const d of [dir, data]) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}
