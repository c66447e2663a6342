/**
 * Locks every web contents down in one place (Fiddle/Podman style): no navigation, no new windows, no
 * webviews, every permission denied; links leave the app only through the AWS-console check.
 */
import type { App, Shell, WebContents, WebPreferences } from 'electron';
import { isSafeExternalUrl } from './external-url';

/** The status window's web preferences: isolated, sandboxed, no Node, web security on. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  };
}

/** Opens `url` in the user's browser when it passes the check; returns whether it did. */
export async function openExternalChecked(shell: Pick<Shell, 'openExternal'>, url: string): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false;
  await shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK -- url passed isSafeExternalUrl just above
  return true;
}

/** Installs the global `web-contents-created` hook. Call once, before any window exists. */
export function hardenWebContents(app: Pick<App, 'on'>, shell: Pick<Shell, 'openExternal'>): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      void openExternalChecked(shell, url);
      return { action: 'deny' };
    });
    contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    contents.session.setPermissionCheckHandler(() => false);
  });
}
