/**
 * The system clipboard from a terminal, per platform: pbcopy (macOS), clip (Windows), wl-copy, xclip or xsel
 * (Linux, Wayland or X11). The tray and window use Electron's clipboard instead.
 */
import { spawn } from 'node:child_process';
import { findOwnTool } from './shell';

const CANDIDATES: Record<string, [string, string[]][]> = {
  darwin: [['pbcopy', []]],
  win32: [['clip', []]],
  linux: [
    ['wl-copy', []],
    ['xclip', ['-selection', 'clipboard']],
    ['xsel', ['--clipboard', '--input']],
  ],
};

/** Copies text; resolves to how, or why it could not (no clipboard tool, no display). Never throws. */
export async function copyToClipboard(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<{ ok: true; via: string } | { ok: false; reason: string }> {
  const tried: string[] = [];
  for (const [name, args] of CANDIDATES[platform] ?? CANDIDATES.linux!) {
    const exe = findOwnTool(name, env, platform);
    if (!exe) continue;
    tried.push(name);
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn(exe, args, { stdio: ['pipe', 'ignore', 'ignore'], env, windowsHide: true });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
      child.stdin.on('error', () => resolve(false));
      child.stdin.end(text);
    });
    if (ok) return { ok: true, via: name };
  }
  return {
    ok: false,
    reason: tried.length
      ? `${tried.join(', ')} could not copy (no display?)`
      : `no clipboard tool found (${(CANDIDATES[platform] ?? CANDIDATES.linux!).map(([n]) => n).join(', ')})`,
  };
}
