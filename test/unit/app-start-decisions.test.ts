// The app's start-up decisions (app-start.ts), with fakes of the environment and the tray probe: the command
// that starts the app at login, whether a tray icon is possible, and the notice of a failed tray command.
import { describe, expect, it } from 'vitest';
import { appTraySupport, failureNotice, loginCommand } from '../../main/app/app-start';

describe('loginCommand', () => {
  it('packaged: the AppImage when there is one, else the binary; in dev: Electron plus the app folder', () => {
    const appPath = () => '/src/offload';
    expect(
      loginCommand({ packaged: true, env: { APPIMAGE: '/a/Offload.AppImage' }, execPath: '/x', appPath }),
    ).toEqual(['/a/Offload.AppImage']);
    expect(loginCommand({ packaged: true, env: {}, execPath: '/opt/Offload/offload', appPath })).toEqual([
      '/opt/Offload/offload',
    ]);
    expect(
      loginCommand({ packaged: false, env: { APPIMAGE: '/a' }, execPath: '/electron', appPath }),
    ).toEqual(['/electron', '/src/offload']);
  });
});

describe('appTraySupport', () => {
  it('OFFLOAD_NO_TRAY=1 turns the tray off without probing the desktop', async () => {
    let probed = 0;
    const probe = async () => (probed++, true);
    expect(await appTraySupport('linux', { OFFLOAD_NO_TRAY: '1' }, probe)).toEqual({
      available: false,
      reason: 'OFFLOAD_NO_TRAY=1',
    });
    expect(probed).toBe(0);
    expect(await appTraySupport('darwin', {}, probe)).toEqual({ available: true });
    expect(probed).toBe(1);
  });

  it('on Linux, no StatusNotifierWatcher means no tray, with the reason', async () => {
    const s = await appTraySupport('linux', { XDG_CURRENT_DESKTOP: 'GNOME' }, async () => false);
    expect(s.available).toBe(false);
  });
});

describe('failureNotice', () => {
  it('is an error notice with the message, opening the phases view', () => {
    expect(failureNotice('Could not run full', new Error('locked'))).toEqual({
      title: 'Could not run full',
      body: 'locked',
      level: 'error',
      target: { view: 'phases' },
    });
    expect(failureNotice('x', 'plain').body).toBe('plain');
  });
});
