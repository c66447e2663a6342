/**
 * Formatting for the status window: sizes, durations, sparklines. Pure functions.
 */

export { formatBytes, formatDuration } from '../main/core/format';

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
