/**
 * Durations in offload.yml, one syntax everywhere: a sum of `<n><unit>` parts (`500ms`, `30s`, `5m`, `1h30m`,
 * `1.5h`, `2d`) or a YAML number of seconds. One parser and one JSON Schema fragment for every section and
 * step kind, so an editor, the validator and the code that waits all agree.
 */
import type { JsonSchema } from '../vocabulary';

/** Regex (JSON Schema `pattern`) of a duration string: `500ms`, `30s`, `5m`, `1h30m`, `1.5h`, `2d`. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$';

/**
 * The longest duration accepted: 24 days. Node's timers hold at most 2^31-1 ms (~24.8 days); a longer wait
 * would fire at once, so anything longer is a mistake in offload.yml, not a wish.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;

/** How the syntax reads in messages. */
export const DURATION_SYNTAX = '"30s", "5m", "1h", "1h30m" or a number of seconds';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** JSON Schema of a duration value, with `description` followed by the syntax. */
export function durationSchema(description: string): JsonSchema {
  return {
    description: `${description} A duration: \`500ms\`, \`30s\`, \`5m\`, \`1h30m\`, \`2d\` or a number of seconds (at most 24d).`,
    type: ['string', 'number'],
    minimum: 0,
    maximum: MAX_DURATION_MS / 1000,
    pattern: DURATION_PATTERN,
    examples: ['30s', '5m', '1h', 90],
  };
}

/**
 * Milliseconds of a duration: a number is seconds, a string is a sum of `<n><unit>` parts (ms, s, m, h, d).
 * Undefined when the value is not a duration or is longer than MAX_DURATION_MS.
 */
export function parseDuration(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    ms = Math.round(value * 1000);
  } else if (typeof value === 'string' && new RegExp(DURATION_PATTERN).test(value)) {
    let total = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)) {
      total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    }
    ms = Math.round(total);
  } else {
    return undefined;
  }
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Why a value is not a duration, as a validation message; undefined when it is one. */
export function durationProblem(value: unknown): string | undefined {
  if (parseDuration(value) !== undefined) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const wellFormed =
    (typeof value === 'number' && value >= 0) ||
    (typeof value === 'string' && new RegExp(DURATION_PATTERN).test(value));
  return wellFormed
    ? `${shown} is longer than the longest duration allowed (24d)`
    : `${shown} is not a duration (use ${DURATION_SYNTAX})`;
}

/**
 * Milliseconds of a config value: `defaultMs` when absent (undefined or null); throws a clear error naming
 * `what` when present but not a duration (validated config never is).
 */
export function durationMs(value: unknown, defaultMs: number, what = 'duration'): number {
  if (value === undefined || value === null) return defaultMs;
  const ms = parseDuration(value);
  if (ms === undefined) throw new Error(`${what}: ${durationProblem(value)}`);
  return ms;
}
