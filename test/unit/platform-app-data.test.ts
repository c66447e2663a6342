import { describe, expect, it } from 'vitest';
import { appDataDir } from '../../main/core/platform/app-data';

describe('appDataDir', () => {
  it('Windows: %LOCALAPPDATA%\\Offload, falling back to %APPDATA%', () => {
    expect(
      appDataDir(
        { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' },
        'win32',
        'C:\\Users\\ann',
      ),
    ).toBe('C:\\Users\\ann\\AppData\\Local\\Offload');
    expect(appDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Offload',
    );
    expect(appDataDir({}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Local\\Offload');
  });

  it('macOS: ~/Library/Application Support/Offload', () => {
    expect(appDataDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/Offload');
  });

  it('Linux: $XDG_STATE_HOME/offload, else ~/.local/state/offload (a relative XDG path is ignored)', () => {
    expect(appDataDir({ XDG_STATE_HOME: '/home/ann/.state' }, 'linux', '/home/ann')).toBe(
      '/home/ann/.state/offload',
    );
    expect(appDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.local/state/offload');
    expect(appDataDir({ XDG_STATE_HOME: 'rel/state' }, 'linux', '/home/ann')).toBe(
      '/home/ann/.local/state/offload',
    );
  });

  it('OFFLOAD_HOME overrides on every platform', () => {
    expect(appDataDir({ OFFLOAD_HOME: '/tmp/off', XDG_STATE_HOME: '/x' }, 'linux', '/home/ann')).toBe(
      '/tmp/off',
    );
    expect(appDataDir({ OFFLOAD_HOME: 'D:\\off', LOCALAPPDATA: 'C:\\x' }, 'win32', 'C:\\Users\\ann')).toBe(
      'D:\\off',
    );
    expect(appDataDir({ OFFLOAD_HOME: '/Volumes/x/off' }, 'darwin', '/Users/ann')).toBe('/Volumes/x/off');
  });
});
