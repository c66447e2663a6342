/**
 * Every tray difference between macOS, Windows and Linux, in one place: which icon file to load and
 * whether the desktop has a tray at all. Pure functions; the Electron side passes platform and probes in.
 */
import type { TrayState } from './tray-model';

/**
 * Icon file (relative to resources/tray/) for a state on a platform, named as Podman Desktop does:
 * `tray-icon-{state}{Template|Dark}[@2x].png`. macOS always uses the Template image (the OS tints it);
 * Windows uses a multi-size .ico, re-picked for the dark taskbar; Linux a PNG whose @2x sibling Electron
 * loads by itself on HiDPI screens.
 */
export function trayIconFile(state: TrayState, platform: NodeJS.Platform, dark: boolean): string {
  if (platform === 'darwin') return `tray-icon-${state}Template.png`;
  if (platform === 'win32') return `tray-icon-${state}${dark ? 'Dark' : ''}.ico`;
  return `tray-icon-${state}${dark ? 'Dark' : ''}.png`;
}

/** Every icon file the app may load, for packaging checks. */
export function allTrayIconFiles(): string[] {
  const states: TrayState[] = ['idle', 'running', 'failed', 'ready', 'warning'];
  const out: string[] = [];
  for (const s of states) {
    out.push(`tray-icon-${s}Template.png`, `tray-icon-${s}Template@2x.png`);
    for (const d of ['', 'Dark'])
      out.push(`tray-icon-${s}${d}.png`, `tray-icon-${s}${d}@2x.png`, `tray-icon-${s}${d}.ico`);
  }
  return out;
}

/** What we know about the desktop's tray area. */
export type TraySupport = { available: true } | { available: false; reason: string };

/**
 * Whether icons put in the tray will be seen. macOS and Windows always have one. On Linux the icon needs a
 * StatusNotifier host (KDE, XFCE, Cinnamon, GNOME only with the AppIndicator extension); `hasWatcher`
 * asks the session bus for org.kde.StatusNotifierWatcher (undefined when it could not be asked).
 */
export function traySupport(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  hasWatcher: boolean | undefined,
): TraySupport {
  if (platform !== 'linux') return { available: true };
  if (hasWatcher === true) return { available: true };
  const desktop = (env.XDG_CURRENT_DESKTOP ?? '').toLowerCase();
  if (hasWatcher === false) {
    return {
      available: false,
      reason: desktop.includes('gnome')
        ? 'GNOME shows no tray icons without the AppIndicator extension'
        : 'this desktop has no tray area (no StatusNotifier host)',
    };
  }
  // Could not ask the bus: GNOME without the extension is the common no-tray case.
  if (desktop.includes('gnome'))
    return { available: false, reason: 'GNOME shows no tray icons without the AppIndicator extension' };
  return { available: true };
}

/**
 * Asks the session bus whether a StatusNotifier host is listening (Linux only). Resolves undefined when
 * the bus cannot be asked (no gdbus, no session bus), so the caller falls back to a desktop heuristic.
 */
export async function probeStatusNotifierWatcher(platform: NodeJS.Platform): Promise<boolean | undefined> {
  if (platform !== 'linux') return true;
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      'gdbus',
      [
        'call',
        '--session',
        '--dest',
        'org.freedesktop.DBus',
        '--object-path',
        '/org/freedesktop/DBus',
        '--method',
        'org.freedesktop.DBus.NameHasOwner',
        'org.kde.StatusNotifierWatcher',
      ],
      { timeout: 2000 },
      (err, stdout) => resolve(err ? undefined : /true/.test(String(stdout))),
    );
  });
}
