/**
 * The Electron app, composed: single-instance start in the tray, the status window, the bridge, the
 * notifications and the app lifecycle, all over the one core. Nothing here decides anything; it maps core
 * state to Electron and Electron events to core commands. Takes the `electron` module as an argument so
 * the same code runs in Electron and under the test stand-in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createOffload } from '../core/offload';
import type { Offload, OffloadState } from '../core/state';
import type { ViewTarget } from '../../preload/api';
import { errorContextOf } from './bridge-handlers';
import { registerBridge } from './ipc';
import { NoticePresenter } from './notifications';
import { hardenWebContents, openExternalChecked } from './security';
import { TrayController } from './tray';
import { createTrayDispatch } from './tray-dispatch';
import type { TrayAction } from './tray-model';
import { chooseProject, type ChooseProjectDeps } from './choose-project';
import { loginItem, type LoginItem } from './login-item';
import { appTraySupport, failureNotice, loginCommand } from './app-start';
import { StatusWindow } from './window';

type Electron = typeof import('electron');

/** Where the built files are: `dist/` (main at dist/main/app/main.js) and the app root (resources/). */
export interface AppOptions {
  distDir: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** What a running app exposes to its test hooks. */
export interface AppHandle {
  core: Offload;
  window: StatusWindow;
  tray: TrayController | null;
  quit(): Promise<void>;
}

/** Starts the app; resolves null when another instance already runs (that one is focused instead). */
export async function startApp(electron: Electron, opts: AppOptions): Promise<AppHandle | null> {
  const { app, ipcMain, shell, dialog, clipboard } = electron;
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  hardenWebContents(app, shell);
  // Tray app: no dock icon on macOS (app.dock exists only there).
  app.dock?.hide();
  // Keep running in the tray when the window closes.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  const core = await createOffload({ env });

  let tray: TrayController | null = null;
  const window = new StatusWindow(
    electron,
    {
      html: path.join(opts.distDir, 'renderer', 'index.html'),
      preload: path.join(opts.distDir, 'preload', 'preload.js'),
    },
    () => tray?.tray.getBounds(),
  );
  const presenter = new NoticePresenter(electron, (target: ViewTarget) => window.show(target));
  const report = (title: string, err: unknown) => presenter.show(failureNotice(title, err));

  const choose = (init: boolean) => chooseProject({ core, ...projectDialogs(dialog) }, init);

  const dispatch = createTrayDispatch({
    core,
    errorContext: () => errorContextOf(core),
    writeClipboard: (text) => clipboard.writeText(text),
    openPath: (p) => void shell.openPath(p),
    showWindow: () => window.show(),
    chooseProject: choose,
    toggleLogin: () => {
      login.set(!login.get());
      tray?.update(core.state());
    },
    quit: () => app.quit(),
    report,
  });

  // How to start this app again at login: the AppImage or installed binary; in dev, Electron plus the app folder.
  const login = loginItem(
    platform,
    app,
    env,
    loginCommand({
      packaged: app.isPackaged,
      env,
      execPath: process.execPath,
      appPath: () => app.getAppPath(),
    }),
  );

  const unregister = registerBridge(ipcMain, core, (e) => window.isOwnSender(e), {
    openExternal: async (url) => {
      if (!(await openExternalChecked(shell, url)))
        throw new Error('only https AWS console links may be opened');
    },
    chooseProject: () => choose(false),
    writeClipboard: (text) => clipboard.writeText(text),
  });

  tray = await trayOrWindow(electron, platform, env, { login, dispatch, window, presenter });

  const follow = (s: OffloadState) => {
    tray?.update(s);
    window.update(s);
  };
  follow(core.state());
  const unsubscribe = core.subscribe(follow);
  const unNotice = core.onNotice((n) => presenter.show(n));
  app.on('second-instance', () => window.show());

  let quitting: Promise<void> | null = null;
  const quit = () =>
    (quitting ??= (async () => {
      unsubscribe();
      unNotice();
      unregister();
      tray?.destroy();
      window.destroy();
      await core.dispose();
    })());
  holdQuitForCore(app, quit);

  const handle: AppHandle = {
    core,
    window,
    get tray() {
      return tray;
    },
    quit,
  };
  if (env.OFFLOAD_TEST_HOOKS === '1') installTestHooks(handle);
  return handle;
}

/** The folder and question dialogs of "Open project…" and "Create offload.yml…". */
function projectDialogs(dialog: Electron['dialog']): Omit<ChooseProjectDeps, 'core'> {
  return {
    pickFolder: async (init) => {
      const res = await dialog.showOpenDialog({
        title: init ? 'Create offload.yml in…' : 'Choose the project folder (the one with offload.yml)',
        properties: ['openDirectory', 'createDirectory'],
      });
      return res.canceled ? undefined : res.filePaths[0];
    },
    hasConfig: (dir) => fs.existsSync(path.join(dir, 'offload.yml')),
    confirmInit: async (dir) =>
      (
        await dialog.showMessageBox({
          type: 'question',
          message: `There is no offload.yml in ${dir}.`,
          detail: 'Create a starter offload.yml there (what `offload init` writes)?',
          buttons: ['Create offload.yml', 'Cancel'],
          defaultId: 0,
          cancelId: 1,
        })
      ).response === 0,
  };
}

/** Holds the quit until the core has stopped its watches and cancelled a running step (history stays honest). */
function holdQuitForCore(app: Electron['app'], quit: () => Promise<void>): void {
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    void quit().finally(() => {
      disposed = true;
      app.quit();
    });
  });
}

/** Test-only hooks (Mattermost style), so e2e tests can click tray items the OS tray does not expose. */
function installTestHooks(handle: AppHandle): void {
  (globalThis as Record<string, unknown>).__offloadTest = {
    handle,
    menu: () => handle.tray?.menu ?? [],
    click: (id: string) => handle.tray?.click(id) ?? false,
  };
}

/**
 * The tray icon where the desktop can show one; elsewhere a notice saying so once and the window shown, as
 * the way in rather than running invisibly.
 */
async function trayOrWindow(
  electron: Electron,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  o: {
    login: LoginItem;
    dispatch: (action: TrayAction) => void;
    window: StatusWindow;
    presenter: NoticePresenter;
  },
): Promise<TrayController | null> {
  const support = await appTraySupport(platform, env);
  if (support.available)
    return new TrayController(
      electron,
      path.join(electron.app.getAppPath(), 'resources', 'tray'),
      platform,
      () => ({ launchAtLogin: o.login.get(), loginUnsupported: o.login.unsupported }),
      o.dispatch,
      () => o.window.toggle(),
    );
  o.presenter.show({
    title: 'Offload is running without a tray icon',
    body: `${support.reason}. The status window stays available; launch Offload again to bring it back.`,
    level: 'warning',
    target: { view: 'machine' },
  });
  o.window.show();
  return null;
}
