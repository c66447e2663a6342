/**
 * Formatting for the status window: sizes, durations, sparklines. Pure functions.
 */

/** Bytes as a short human size (1.2 GB). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Milliseconds as 850 ms / 12.3 s / 4m 05s. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** A percentage, or a dash when unknown. */
export const formatPct = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n)}%`;

/** Local time of an ISO timestamp (HH:MM:SS). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** SVG path of a sparkline of percentages (0..100) in a width x height box; at most `max` points. */
export function sparklinePath(values: readonly number[], width = 100, height = 24, max = 60): string {
  const pts = values.slice(-max).filter((v) => Number.isFinite(v));
  if (pts.length === 0) return '';
  if (pts.length === 1) pts.push(pts[0]!);
  const step = width / (pts.length - 1);
  return pts
    .map((v, i) => {
      const y = height - (Math.max(0, Math.min(100, v)) / 100) * (height - 2) - 1;
      return `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)} ${y.toFixed(1)}`;
    })
    .join(' ');
}
