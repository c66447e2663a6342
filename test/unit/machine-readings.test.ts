import type { CpuInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  cpuLoadPct,
  cpuTimes,
  MachineHistory,
  machineSnapshot,
  pressureReadings,
  pushBounded,
  type CheapSample,
} from '../../main/core/machine/readings';

const core = (user: number, idle: number): CpuInfo => ({
  model: 'x',
  speed: 1,
  times: { user, nice: 0, sys: 0, idle, irq: 0 },
});

const sample = (over: Partial<CheapSample> = {}): CheapSample => ({
  at: Date.UTC(2026, 11, 7),
  loadPct: 25.04,
  cores: 2,
  mem: { totalBytes: 1000, availableBytes: 250, swapTotalBytes: 10, swapUsedBytes: 1 },
  gpus: [],
  ...over,
});

describe('machine readings', () => {
  it('measures CPU load between two samples of every core; 0 without a first sample or elapsed time', () => {
    const a = cpuTimes([core(100, 100), core(100, 100)]);
    const b = cpuTimes([core(175, 125), core(175, 125)]);
    expect(a).toEqual({ idle: 200, total: 400 });
    expect(cpuLoadPct(a, b)).toBe(75);
    expect(cpuLoadPct(null, b)).toBe(0);
    expect(cpuLoadPct(b, b)).toBe(0);
  });

  it('keeps bounded histories with one decimal, oldest dropped', () => {
    const arr: number[] = [];
    for (const v of [1.04, 2.06, 3, 4]) pushBounded(arr, v, 3);
    expect(arr).toEqual([2.1, 3, 4]);
    const h = new MachineHistory(2);
    h.add(
      sample({
        gpus: [
          { index: 0, vendor: 'nvidia', name: 'g', utilizationPct: 40 },
          { index: 1, vendor: 'nvidia', name: 'h', utilizationPct: 90 },
        ],
      }),
    );
    h.add(
      sample({ loadPct: 50, mem: { totalBytes: 0, availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 } }),
    );
    h.add(sample({ loadPct: 10 }));
    expect(h.copy()).toEqual({ cpu: [50, 10], mem: [0, 75], gpu: [0, 0] });
  });

  it('gives the pressure tracker RAM, CPU and each GPU memory in percent', () => {
    const r = pressureReadings(
      sample({
        gpus: [
          { index: 0, vendor: 'nvidia', name: 'g', memUsedBytes: 50, memTotalBytes: 200 },
          { index: 1, vendor: 'nvidia', name: 'h' },
        ],
      }),
      [],
    );
    expect(r).toEqual({
      ramPct: 75,
      cpuPct: 25.04,
      gpus: [
        { index: 0, name: 'g', memPct: 25 },
        { index: 1, name: 'h', memPct: undefined },
      ],
      models: [],
    });
    expect(
      pressureReadings(
        sample({ mem: { totalBytes: 0, availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 } }),
        [],
      ).ramPct,
    ).toBeUndefined();
  });

  it('builds the snapshot the front ends draw', () => {
    const s = machineSnapshot(sample(), { cpu: [1], mem: [2], gpu: [] }, []);
    expect(s).toEqual({
      at: '2026-12-07T00:00:00.000Z',
      cpu: { loadPct: 25, cores: 2 },
      mem: { totalBytes: 1000, usedBytes: 750, availableBytes: 250, swapTotalBytes: 10, swapUsedBytes: 1 },
      gpus: [],
      history: { cpu: [1], mem: [2], gpu: [] },
      alerts: [],
    });
  });
});
