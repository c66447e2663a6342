/**
 * Where Offload keeps its data (run history, settings), per platform convention. OFFLOAD_HOME overrides.
 * Pure: takes env, platform and home so every platform's answer is testable anywhere.
 */
import os from 'node:os';
import path from 'node:path';

/** The app-data folder for Offload: OFFLOAD_HOME, else the platform's per-user state/app-data folder. */
export function appDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const override = env.OFFLOAD_HOME?.trim();
  if (override) return p.resolve(override);
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || env.APPDATA || p.join(home, 'AppData', 'Local');
    return p.join(base, 'Offload');
  }
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Offload');
  const state = env.XDG_STATE_HOME?.trim();
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  if (state && p.isAbsolute(state)) return p.join(state, 'offload');
  return p.join(home, '.local', 'state', 'offload');
}
