/**
 * Launch at login per OS: Electron's login items on macOS/Windows, an XDG autostart entry on Linux
 * (real files in a temp XDG_CONFIG_HOME).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { autostartFile, desktopExecArg, loginItem } from '../../main/app/login-item';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
/** Electron's two login-item calls, recorded (the app object the real code gets). */
function electronApp() {
  const calls: unknown[] = [];
  let on = false;
  return {
    calls,
    getLoginItemSettings: () => ({ openAtLogin: on }),
    setLoginItemSettings: (s: { openAtLogin: boolean }) => {
      calls.push(s);
      on = s.openAtLogin;
    },
  };
}

describe('loginItem', () => {
  test('Linux: writes, reads and removes ~/.config/autostart/offload.desktop with a quoted Exec line', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-login-'));
    dirs.push(home);
    const env = { XDG_CONFIG_HOME: path.join(home, 'cfg') };
    const app = electronApp();
    const item = loginItem('linux', app, env, ['/opt/My Apps/Offload.AppImage', '--flag=$HOME']);
    expect(item.unsupported).toBeUndefined();
    expect(item.get()).toBe(false);
    item.set(true);
    const file = autostartFile(env);
    expect(file).toBe(path.join(home, 'cfg', 'autostart', 'offload.desktop'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Offload\n/);
    expect(text).toContain('Exec="/opt/My Apps/Offload.AppImage" "--flag=\\$HOME"\n');
    expect(item.get()).toBe(true);
    fs.writeFileSync(file, text.replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(item.get()).toBe(false); // disabled by the desktop's own settings
    item.set(false);
    expect(fs.existsSync(file)).toBe(false);
    expect(app.calls).toEqual([]); // Electron's login items are not used on Linux
  });

  test('macOS and Windows use Electron login items', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const app = electronApp();
      const item = loginItem(platform, app, {}, ['x']);
      item.set(true);
      expect(item.get()).toBe(true);
      item.set(false);
      expect(app.calls).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
    }
  });

  test('elsewhere it says it is unavailable rather than pretending', () => {
    const item = loginItem('freebsd', electronApp(), {}, ['x']);
    expect(item.unsupported).toMatch(/not available/);
    item.set(true);
    expect(item.get()).toBe(false);
  });

  test('desktopExecArg quotes only what needs it', () => {
    expect(desktopExecArg('/usr/bin/offload')).toBe('/usr/bin/offload');
    expect(desktopExecArg('a b')).toBe('"a b"');
    expect(desktopExecArg('say "hi" `x` \\ $y')).toBe('"say \\"hi\\" \\`x\\` \\\\ \\$y"');
  });
});
