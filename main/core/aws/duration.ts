/** Durations in offload.yml (`500ms`, `2s`, `10m`, `1h`, or a number of seconds) for the AWS sections. */
import type { JsonSchema } from '../workflow/types';

/** JSON Schema of a duration value. */
export const durationSchema = (description: string): JsonSchema => ({
  description: `${description} A duration: \`500ms\`, \`2s\`, \`10m\`, \`1h\`, or a number of seconds.`,
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$' },
  ],
});

/** Parses a duration into milliseconds; undefined gives the default, garbage throws. */
export function parseDurationMs(value: unknown, defaultMs: number, what = 'duration'): number {
  if (value === undefined || value === null) return defaultMs;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
    if (m) {
      const n = Number(m[1]);
      const unit = m[2] ?? 's';
      return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
    }
  }
  throw new Error(
    `${what}: "${String(value)}" is not a duration (use 500ms, 2s, 10m, 1h or a number of seconds)`,
  );
}
