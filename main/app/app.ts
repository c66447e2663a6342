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
import type { TrayAction } from './tray-model';
import { loginItem } from './login-item';
import { probeStatusNotifierWatcher, traySupport } from './tray-platform';
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
  const report = (title: string, err: unknown) =>
    presenter.show({
      title,
      body: err instanceof Error ? err.message : String(err),
      level: 'error',
      target: { view: 'phases' },
    });

  const chooseProject = async (init: boolean) => {
    const res = await dialog.showOpenDialog({
      title: init ? 'Create offload.yml in…' : 'Choose the project folder (the one with offload.yml)',
      properties: ['openDirectory', 'createDirectory'],
    });
    const dir = res.canceled ? undefined : res.filePaths[0];
    if (!dir) return;
    const hasConfig = fs.existsSync(path.join(dir, 'offload.yml'));
    if (init || !hasConfig) {
      if (!init) {
        const answer = await dialog.showMessageBox({
          type: 'question',
          message: `There is no offload.yml in ${dir}.`,
          detail: 'Create a starter offload.yml there (what `offload init` writes)?',
          buttons: ['Create offload.yml', 'Cancel'],
          defaultId: 0,
          cancelId: 1,
        });
        if (answer.response !== 0) return;
      }
      await core.initProject(dir);
    } else {
      await core.openProject(dir);
    }
  };

  const dispatch = (action: TrayAction) => {
    const s = core.state();
    switch (action.type) {
      case 'run':
        core.run(action.workflow).catch((err) => report(`Could not run ${action.workflow}`, err));
        return;
      case 'cancel':
        void core.cancel();
        return;
      case 'stop-models':
        core.stopModels({ all: true }).catch((err) => report('Could not stop local models', err));
        return;
      case 'switch-config':
        core
          .switchConfig(action.target)
          .catch((err) => report(`Could not point the dev tools at ${action.target}`, err));
        return;
      case 'copy-error':
        errorContextOf(core)
          .then((md) => clipboard.writeText(md))
          .catch((err) => report('Could not copy the error context', err));
        return;
      case 'acknowledge-phase6':
        core.acknowledgePhase6('tray').catch((err) => report('Could not acknowledge', err));
        return;
      case 'redeploy':
        core.run('services').catch((err) => report('Could not redeploy the services', err));
        return;
      case 'back-to-local':
        core.switchConfig('local').catch((err) => report('Could not go back to local', err));
        return;
      case 'open-window':
        window.show();
        return;
      case 'toggle-monitoring':
        core.setMonitoringPaused(!s.monitoringPaused);
        return;
      case 'open-config':
        if (s.project) void shell.openPath(s.project.configFile);
        return;
      case 'choose-project':
      case 'init-project':
        chooseProject(action.type === 'init-project').catch((err) =>
          report('Could not open the project', err),
        );
        return;
      case 'toggle-login':
        login.set(!login.get());
        tray?.update(core.state());
        return;
      case 'quit':
        app.quit();
        return;
    }
  };

  // How to start this app again at login: the AppImage or installed binary; in dev, Electron plus the app folder.
  const login = loginItem(
    platform,
    app,
    env,
    app.isPackaged ? [env.APPIMAGE ?? process.execPath] : [process.execPath, app.getAppPath()],
  );

  const unregister = registerBridge(ipcMain, core, (e) => window.isOwnSender(e), {
    openExternal: async (url) => {
      if (!(await openExternalChecked(shell, url)))
        throw new Error('only https AWS console links may be opened');
    },
    chooseProject: () => chooseProject(false),
    writeClipboard: (text) => clipboard.writeText(text),
  });

  const support =
    env.OFFLOAD_NO_TRAY === '1'
      ? ({ available: false, reason: 'OFFLOAD_NO_TRAY=1' } as const)
      : traySupport(platform, env, await probeStatusNotifierWatcher(platform));
  if (support.available) {
    tray = new TrayController(
      electron,
      path.join(app.getAppPath(), 'resources', 'tray'),
      platform,
      () => ({ launchAtLogin: login.get(), loginUnsupported: login.unsupported }),
      dispatch,
      () => window.toggle(),
    );
  } else {
    // Say so once, and keep the window and notifications as the way in rather than running invisibly.
    presenter.show({
      title: 'Offload is running without a tray icon',
      body: `${support.reason}. The status window stays available; launch Offload again to bring it back.`,
      level: 'warning',
      target: { view: 'machine' },
    });
    window.show();
  }

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
  // Hold the quit until the core has stopped its watches and cancelled a running step (history stays honest).
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    void quit().finally(() => {
      disposed = true;
      app.quit();
    });
  });

  const handle: AppHandle = {
    core,
    window,
    get tray() {
      return tray;
    },
    quit,
  };
  // Test-only hooks (Mattermost style), so e2e tests can click tray items the OS tray does not expose.
  if (env.OFFLOAD_TEST_HOOKS === '1') {
    (globalThis as Record<string, unknown>).__offloadTest = {
      handle,
      menu: () => tray?.menu ?? [],
      click: (id: string) => tray?.click(id) ?? false,
    };
  }
  return handle;
}
