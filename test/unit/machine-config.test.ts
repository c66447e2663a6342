import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import {
  modelsSchema,
  parseDurationMs,
  parseModelsConfig,
  parseSizeBytes,
  parseWatchConfig,
  watchSchema,
} from '../../main/core/machine/config';
import { stopLocalModelsStep } from '../../main/core/machine/stop-local-models';

function everyPropertyDescribed(schema: unknown, path = '$'): string[] {
  const missing: string[] = [];
  const walk = (s: unknown, p: string) => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object') {
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string' || !v.description) missing.push(`${p}.${k}`);
        walk(v, `${p}.${k}`);
      }
    }
    if (o.items) walk(o.items, `${p}[]`);
    for (const k of ['anyOf', 'oneOf'])
      if (Array.isArray(o[k])) (o[k] as unknown[]).forEach((x) => walk(x, p));
  };
  walk(schema, path);
  return missing;
}

describe('watch/models config', () => {
  it('parses durations and sizes', () => {
    expect(parseDurationMs('2s', 0)).toBe(2000);
    expect(parseDurationMs('500ms', 0)).toBe(500);
    expect(parseDurationMs('10m', 0)).toBe(600_000);
    expect(parseDurationMs(3, 0)).toBe(3000);
    expect(parseDurationMs('soon', 7)).toBe(7);
    expect(parseSizeBytes('16GB', 0)).toBe(16 * 1024 ** 3);
    expect(parseSizeBytes('16GiB', 0)).toBe(16 * 1024 ** 3);
    expect(parseSizeBytes(1234, 0)).toBe(1234);
  });

  it('fills in defaults', () => {
    const w = parseWatchConfig(undefined);
    expect(w.intervals).toEqual({ cheapMs: 2000, processesMs: 5000, gpuMs: 5000 });
    expect(w.historyMs).toBe(600_000);
    expect(w.alerts.ram).toEqual({ enabled: true, above: 90, forMs: 30_000 });
    expect(w.alerts.cpu.forMs).toBe(60_000);
    expect(w.alerts.gpuMem.above).toBe(95);
    expect(w.alerts.modelRss.above).toBe(16 * 1024 ** 3);
    const m = parseModelsConfig(undefined);
    expect(m).toMatchObject({ builtin: true, matchers: [], exclude: [], graceMs: 10_000, verifyMs: 5_000 });
  });

  it('reads configured values', () => {
    const w = parseWatchConfig({
      interval: '1s',
      'process-interval': 3,
      alerts: { ram: { above: 80, for: '10s' }, 'model-rss': { above: '8GB' } },
    });
    expect(w.intervals.cheapMs).toBe(1000);
    expect(w.intervals.processesMs).toBe(3000);
    expect(w.alerts.ram).toEqual({ enabled: true, above: 80, forMs: 10_000 });
    expect(w.alerts.modelRss.above).toBe(8 * 1024 ** 3);
    expect(() => parseModelsConfig({ matchers: [{ name: 'x', cmdline: '(' }] })).toThrow(
      /models\.matchers\[0\]\.cmdline/,
    );
  });

  it('schemas are valid, describe every key, and reject unknown keys', () => {
    const ajv = new Ajv({ strict: false, formats: { regex: true } });
    const vw = ajv.compile(watchSchema);
    const vm = ajv.compile(modelsSchema);
    const vs = ajv.compile(stopLocalModelsStep.schema);
    expect(vw({ interval: '2s', alerts: { ram: { above: 90, for: '30s' } } })).toBe(true);
    expect(vw({ intervall: '2s' })).toBe(false);
    expect(vw({ interval: 'fast' })).toBe(false);
    expect(vm({ matchers: [{ name: 'a', exe: 'b', port: 8080, stop: 'x' }], exclude: [{ pid: 3 }] })).toBe(
      true,
    );
    expect(vm({ matchers: [{ name: 'a' }] })).toBe(false); // needs exe or cmdline
    expect(vs(true)).toBe(true);
    expect(vs({ servers: ['ollama'], 'verify-gone': '10s' })).toBe(true);
    expect(vs({ server: ['ollama'] })).toBe(false);
    expect(everyPropertyDescribed(watchSchema)).toEqual([]);
    expect(everyPropertyDescribed(modelsSchema)).toEqual([]);
    expect(everyPropertyDescribed(stopLocalModelsStep.schema)).toEqual([]);
  });
});
