/**
 * Where the mini status window opens: next to the tray icon, kept inside the screen's work area.
 * Pure so it is tested without Electron.
 */

/** A rectangle as Electron reports bounds. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The status window's size (compact by design). */
export const WINDOW_SIZE = { width: 400, height: 560 } as const;

/**
 * Top-left corner for a window of `size` next to `tray` in `workArea`. Trays at the top (macOS, many Linux
 * panels) open the window below the icon, trays at the bottom (Windows) above it. Linux often reports an
 * empty tray rectangle: then the window goes to the work area's top-right corner.
 */
export function windowPosition(
  tray: Rect | undefined,
  workArea: Rect,
  size: { width: number; height: number },
): { x: number; y: number } {
  const margin = 8;
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  const maxX = workArea.x + workArea.width - size.width - margin;
  const maxY = workArea.y + workArea.height - size.height - margin;
  if (!tray || (tray.width === 0 && tray.height === 0)) {
    return { x: Math.round(Math.max(workArea.x, maxX)), y: workArea.y + margin };
  }
  const x = clamp(Math.round(tray.x + tray.width / 2 - size.width / 2), workArea.x + margin, maxX);
  const middle = workArea.y + workArea.height / 2;
  const y = tray.y < middle ? tray.y + tray.height + 4 : tray.y - size.height - 4;
  return { x, y: Math.round(clamp(y, workArea.y + margin, Math.max(workArea.y, maxY))) };
}
