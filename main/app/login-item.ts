/**
 * "Launch at login", one way per OS: Electron's login items on macOS and Windows, an XDG autostart entry
 * (~/.config/autostart/offload.desktop) on Linux, where Electron has none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../core/offload';

/** Reads and sets whether Offload starts at login; `unsupported` says why it cannot, where it cannot. */
export interface LoginItem {
  get(): boolean;
  set(on: boolean): void;
  unsupported?: string;
}

type ElectronLoginItems = {
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(s: { openAtLogin: boolean }): void;
};

/** Quotes one Exec argument as the Desktop Entry spec asks (double quotes; \ " ` $ escaped). */
export function desktopExecArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart entry's file on Linux. */
export function autostartFile(env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(config, 'autostart', 'offload.desktop');
}

/** The login item for this platform. `command` is how to start this app (binary, and app folder in dev). */
export function loginItem(
  platform: NodeJS.Platform,
  app: ElectronLoginItems,
  env: NodeJS.ProcessEnv,
  command: string[],
): LoginItem {
  if (platform === 'darwin' || platform === 'win32') {
    return {
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (on) => app.setLoginItemSettings({ openAtLogin: on }),
    };
  }
  if (platform !== 'linux') {
    return { get: () => false, set: () => undefined, unsupported: 'not available on this system' };
  }
  const file = autostartFile(env);
  return {
    get: () => {
      try {
        return !/^X-GNOME-Autostart-enabled=false$/m.test(fs.readFileSync(file, 'utf8'));
      } catch {
        return false;
      }
    },
    set: (on) => {
      if (!on) {
        fs.rmSync(file, { force: true });
        return;
      }
      const entry = [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Offload',
        'Comment=Build locally, deploy to AWS, shut local AI model servers down',
        `Exec=${command.map(desktopExecArg).join(' ')}`,
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n');
      writeFileAtomic(file, entry);
    },
  };
}
