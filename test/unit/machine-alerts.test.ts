import { describe, expect, it } from 'vitest';
import { pressureAdvice, PressureTracker } from '../../main/core/machine/alerts';
import { parseWatchConfig } from '../../main/core/machine/config';
import type { ModelProcess } from '../../main/core/state';

const model = (pid: number, rssGb: number): ModelProcess => ({
  pid,
  ppid: 1,
  server: 'ollama',
  title: 'Ollama',
  exe: 'ollama',
  cmdline: 'ollama serve',
  cpuPct: 0,
  rssBytes: rssGb * 1e9,
  ports: [],
  children: [],
  user: 'me',
});

describe('pressure alerts', () => {
  it('raises once per episode after the duration, clears below threshold minus hysteresis', () => {
    const t = new PressureTracker(parseWatchConfig({ alerts: { ram: { above: 90, for: '30s' } } }).alerts);
    const models = [model(10, 2), model(11, 9)];
    const at = (s: number, ramPct: number) => t.update(s * 1000, { ramPct, gpus: [], models });
    expect(at(0, 95).raised).toEqual([]);
    expect(at(20, 96).raised).toEqual([]);
    const r = at(30, 97);
    expect(r.raised.map((a) => a.id)).toEqual(['ram']);
    expect(r.raised[0]!.topModels.map((m) => m.pid)).toEqual([11, 10]);
    expect(r.raised[0]!.message).toMatch(/offload run full/);
    expect(at(40, 99).raised).toEqual([]); // once per episode
    expect(at(50, 87).cleared).toEqual([]); // within hysteresis band (85..90)
    expect(t.active().map((a) => a.id)).toEqual(['ram']);
    expect(at(60, 84).cleared.map((a) => a.id)).toEqual(['ram']);
    expect(at(70, 95).raised).toEqual([]); // new episode needs the full duration again
    expect(at(100, 95).raised.map((a) => a.id)).toEqual(['ram']);
  });

  it('a dip below the threshold restarts the duration', () => {
    const t = new PressureTracker(parseWatchConfig({}).alerts);
    t.update(0, { cpuPct: 95, gpus: [], models: [] });
    t.update(50_000, { cpuPct: 80, gpus: [], models: [] });
    expect(t.update(70_000, { cpuPct: 95, gpus: [], models: [] }).raised).toEqual([]);
    expect(t.update(130_000, { cpuPct: 95, gpus: [], models: [] }).raised.map((a) => a.id)).toEqual(['cpu']);
  });

  it('watches GPU memory per GPU and each model server against the per-model limit', () => {
    const t = new PressureTracker(
      parseWatchConfig({ alerts: { 'model-rss': { above: '16GB', for: '0s' } } }).alerts,
    );
    const gpus = [{ index: 1, name: 'RTX', memPct: 99 }];
    t.update(0, { gpus, models: [model(5, 20), model(6, 1)] });
    const r = t.update(30_000, { gpus, models: [model(5, 20), model(6, 1)] });
    expect(
      t
        .active()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['gpu-mem:1', 'model-rss:5']);
    expect(r.raised.map((a) => a.id)).toEqual(['gpu-mem:1']);
    // The big server exits: its episode ends.
    expect(t.update(31_000, { gpus, models: [model(6, 1)] }).cleared.map((a) => a.id)).toEqual([
      'model-rss:5',
    ]);
  });

  it('names the biggest model server and the rule’s action; no deploy advice when no model server runs', () => {
    const t = new PressureTracker(parseWatchConfig({ alerts: { ram: { above: 90, for: '1s' } } }).alerts);
    t.update(0, { ramPct: 95, gpus: [], models: [] });
    const alone = t.update(1000, { ramPct: 95, gpus: [], models: [] }).raised[0]!;
    expect(alone.message).toBe('RAM above 90% for 1s (now 95%).');
    expect(pressureAdvice([])).toBe('');
    expect(
      pressureAdvice([
        { pid: 11, title: 'Ollama', rssBytes: 9 * 1024 ** 3 },
        { pid: 10, title: 'llama.cpp', rssBytes: 2 * 1024 ** 3 },
      ]),
    ).toBe(
      ' Ollama (pid 11) holds 9.0 GiB: `offload run full` moves it to AWS, and the rule stops it once AWS is ready (now: `offload models stop 11`). Also: llama.cpp (pid 10, 2.0 GiB).',
    );
  });
});
