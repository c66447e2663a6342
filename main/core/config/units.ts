/** Parsing of the human units offload.yml accepts: durations (`30s`, `5m`, `1h30m`) and sizes (`200MB`). */

/** Regex (JSON Schema `pattern`) for a duration string: `500ms`, `30s`, `5m`, `1h30m`, `1.5h`. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$';
/** Regex (JSON Schema `pattern`) for a size string: `200MB`, `1GB`, `512 KiB`, `1000B`. */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([KkMmGgTt][Ii]?[Bb]|[Bb])?\\s*$';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KIB: 1024,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

/**
 * Milliseconds for a duration: a number is seconds, a string is a sum of `<n><unit>` parts (ms, s, m, h, d).
 * Returns undefined when the value is not a valid duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string' || !new RegExp(DURATION_PATTERN).test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
  }
  return Math.round(total);
}

/** Bytes for a size: a number is bytes, a string is `<n><unit>` with KB/MB/GB/TB (1024-based, KiB… too). */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? 'B').toUpperCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}
