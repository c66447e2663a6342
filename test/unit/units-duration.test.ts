import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ConfigProblem } from '../../main/core/config';
import { formatDurationCompact } from '../../main/core/format';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import {
  DURATION_PATTERN,
  MAX_DURATION_MS,
  durationMs,
  durationProblem,
  durationSchema,
  parseDuration,
} from '../../main/core/units';

const OPTS = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };

/** Problems of an offload.yml text under the real registry (every kind and section). */
function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfig(text, '/p/offload.yml', OPTS);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}
const lines = (ps: ConfigProblem[]) => ps.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);

describe('durations: one syntax', () => {
  it('parses sums of parts and numbers of seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 1.5h ')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it('refuses what is not a duration, and what no timer can wait for', () => {
    for (const bad of [
      'soon',
      '5',
      '',
      '-1s',
      '1 minute',
      null,
      true,
      -1,
      Number.NaN,
      Infinity,
      1e300,
      '25d',
    ]) {
      expect(parseDuration(bad), String(bad)).toBeUndefined();
    }
    expect(parseDuration('24d')).toBe(MAX_DURATION_MS);
    expect(MAX_DURATION_MS).toBeLessThan(2 ** 31 - 1); // setTimeout's limit
    expect(durationProblem('soon')).toMatch(/"soon" is not a duration \(use "30s", "5m"/);
    expect(durationProblem('9999d')).toMatch(/"9999d" is longer than the longest duration allowed \(24d\)/);
    expect(durationProblem('1m')).toBeUndefined();
  });

  it('durationMs: the default when absent, a clear error when present and wrong', () => {
    expect(durationMs(undefined, 7)).toBe(7);
    expect(durationMs(null, 7)).toBe(7);
    expect(durationMs('2s', 7)).toBe(2000);
    expect(() => durationMs('soon', 7, 'gate.interval')).toThrow(/^gate.interval: "soon" is not a duration/);
  });

  it('the core writes durations in the same syntax (formatDurationCompact reads back)', () => {
    for (const [ms, text] of [
      [412, '412ms'],
      [1500, '1.5s'],
      [30_000, '30s'],
      [600_000, '10m'],
      [3_900_000, '1h5m'],
    ] as const) {
      expect(formatDurationCompact(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });

  it('a time a hair under a minute or an hour carries over (a 60-minute budget read "59m60s")', () => {
    expect(formatDurationCompact(3_599_600)).toBe('1h');
    expect(formatDurationCompact(119_700)).toBe('2m');
    expect(formatDurationCompact(59_960)).toBe('1m');
    expect(formatDurationCompact(39.4)).toBe('39ms');
    expect(formatDurationCompact(999.7)).toBe('1s');
  });

  it('one schema fragment: string with the pattern or a bounded number', () => {
    const s = durationSchema('Wait.');
    expect(s.pattern).toBe(DURATION_PATTERN);
    expect(s.maximum).toBe(MAX_DURATION_MS / 1000);
    expect(String(s.description)).toMatch(/^Wait\. A duration: /);
  });

  it('every duration in the config schema is that fragment (no second syntax)', () => {
    const found: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.pattern === 'string' && /ms\|s\|m\|h/.test(o.pattern)) found.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk([...STEP_KINDS.map((k) => [k.schema, k.extraKeys]), CONFIG_SECTIONS]);
    expect(found.length).toBeGreaterThan(10);
    for (const f of found)
      expect(f).toMatchObject({ pattern: DURATION_PATTERN, maximum: MAX_DURATION_MS / 1000 });
  });
});

describe('absurd values are validation errors with positions', () => {
  it('retries, numbers and strings past the limit, in steps and in sections', () => {
    const ps = problemsOf(`name: x
phases:
  local:
    steps:
      - run: make
        retries: 1e300
        timeout: 1e300
        retry-delay: 30d
      - http: { url: "http://localhost", timeout: 99999h }
gate:
  interval: 1000d
watch:
  interval: 3000000
`);
    expect(lines(ps)).toEqual([
      '6:18 phases.local.steps[0].retries: expected at most 100, got the integer 1e+300',
      '7:18 phases.local.steps[0].timeout: expected a duration of at most 24d, got the integer 1e+300',
      '8:22 phases.local.steps[0].retry-delay: "30d" is longer than the longest duration allowed (24d)',
      '9:51 phases.local.steps[1].http.timeout: "99999h" is longer than the longest duration allowed (24d)',
      '11:13 gate.interval: "1000d" is longer than the longest duration allowed (24d)',
      '13:13 watch.interval: expected a duration of at most 24d, got the integer 3000000',
    ]);
  });

  it('durations within the limit load as before', () => {
    expect(
      problemsOf(`name: x
phases:
  local:
    steps:
      - run: make
        retries: 3
        timeout: 1h30m
        retry-delay: 500ms
gate:
  interval: 60
`),
    ).toEqual([]);
  });
});
