/** Sizes in offload.yml (`200MB`, `1GB`, `512 KiB`, or a number of bytes; 1024-based, as memory is counted). */
import type { JsonSchema } from '../vocabulary';

/** Regex (JSON Schema `pattern`) of a size string: `200MB`, `1GB`, `512 KiB`, `1000B`. */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([KkMmGgTt][Ii]?[Bb]|[Bb])?\\s*$';

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

/** JSON Schema of a size value, with `description` followed by the syntax. */
export function sizeSchema(description: string): JsonSchema {
  return {
    description: `${description} A size: \`16GB\`, \`512MB\` (1024-based), or a number of bytes.`,
    type: ['string', 'number'],
    minimum: 0,
    pattern: SIZE_PATTERN,
  };
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
