/**
 * The app's start-up decisions, pure or with their probe injected: how to start again at login, whether the
 * desktop can show a tray icon, and the notice a failed tray command raises. app.ts wires them to Electron.
 */
import type { Notice } from '../core/state';
import { probeStatusNotifierWatcher, traySupport, type TraySupport } from './tray-platform';

/**
 * How to start this app again at login: the AppImage or the installed binary; in dev, Electron plus the app
 * folder (`appPath` is asked only then).
 */
export function loginCommand(o: {
  packaged: boolean;
  env: NodeJS.ProcessEnv;
  execPath: string;
  appPath: () => string;
}): string[] {
  return o.packaged ? [o.env.APPIMAGE ?? o.execPath] : [o.execPath, o.appPath()];
}

/** Whether a tray icon can be shown: never with OFFLOAD_NO_TRAY=1 (the watcher is not even probed then). */
export async function appTraySupport(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  probe: (platform: NodeJS.Platform) => Promise<boolean | undefined> = probeStatusNotifierWatcher,
): Promise<TraySupport> {
  if (env.OFFLOAD_NO_TRAY === '1') return { available: false, reason: 'OFFLOAD_NO_TRAY=1' };
  return traySupport(platform, env, await probe(platform));
}

/** A failed tray command as the notice that says so (it opens the phases view). */
export function failureNotice(
  title: string,
  err: unknown,
): Pick<Notice, 'title' | 'body' | 'target' | 'level'> {
  return {
    title,
    body: err instanceof Error ? err.message : String(err),
    level: 'error',
    target: { view: 'phases' },
  };
}
