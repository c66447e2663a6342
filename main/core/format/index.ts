/**
 * Formatting, pure and shared by the CLI, the engine's messages, the tray and the window: sizes and durations
 * as people read them (here), what needs attention first (./attention), and the one label per workflow and
 * icon per gate state (./labels). Front ends import this index, never the files behind it.
 */
export * from './attention';
export * from './labels';
export * from './phase6';
export * from './local-errors';
export * from './relief';
export * from './cost';
export * from './team';
/** Project text made safe for a terminal or a review (escapes dropped, hidden characters made visible). */
export { escapeHiddenInJson, sanitizeForTerminal, visibleText } from '../boundary/text';

/** 412 ms, 12.3 s, 2m05s, 1h02m. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m}m${String(rest).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * 500ms, 1.5s, 10m, 1h5m: a duration as offload.yml writes one (parseDuration reads it back), for the one-line
 * reasons and messages the core puts in history, notices and step summaries.
 */
export function formatDurationCompact(ms: number): string {
  // rounded before it is split, so 3 599.6 s carries over to 1h instead of reading 59m60s
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  if (Math.round(ms / 100) < 600) return `${Math.round(ms / 100) / 10}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

/** 512 B, 1.5 KiB, 16 GiB: 1024-based, as memory is counted, and labelled so (40e9 bytes is 37 GiB, not 37 GB). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
