import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMeminfo, parseStatCpu, ProcReadings } from '../../main/core/machine/proc-readings';
import { cpuLoadPct } from '../../main/core/machine/readings';

const STAT = (user: number, idle: number) =>
  `cpu  ${user} 10 30 ${idle} 500 7 3 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 12345 0 0\n`;
const MEMINFO = `MemTotal:       16000000 kB
MemFree:         2000000 kB
MemAvailable:    9000000 kB
Buffers:          100000 kB
Cached:          3000000 kB
SwapTotal:       4000000 kB
SwapFree:        3000000 kB
`;

describe('cheap readings straight from /proc', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-proc-readings-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('CPU times as os.cpus() sums them (iowait left out) and memory as the watch shows it', () => {
    expect(parseStatCpu(STAT(100, 1000))).toEqual({ idle: 1000, total: 100 + 10 + 30 + 1000 + 7 });
    expect(parseMeminfo(MEMINFO)).toEqual({
      totalBytes: 16_000_000 * 1024,
      availableBytes: 9_000_000 * 1024,
      swapTotalBytes: 4_000_000 * 1024,
      swapUsedBytes: 1_000_000 * 1024,
    });
    // An old kernel without MemAvailable: free + buffers + cached.
    expect(parseMeminfo(MEMINFO.replace(/MemAvailable.*\n/, ''))?.availableBytes).toBe(5_100_000 * 1024);
    expect(parseStatCpu('intr 1 2 3\n')).toBeNull();
    expect(parseMeminfo('garbage')).toBeNull();
  });

  it('reads a /proc root again on every call (one buffer) and gives null where it cannot', () => {
    const r = new ProcReadings(root);
    expect(r.cpuTimes()).toBeNull();
    expect(r.memory()).toBeNull();
    fs.writeFileSync(path.join(root, 'stat'), STAT(100, 1000));
    fs.writeFileSync(path.join(root, 'meminfo'), MEMINFO);
    const a = r.cpuTimes();
    fs.writeFileSync(path.join(root, 'stat'), STAT(150, 1050)); // 50 busy, 50 idle ticks later
    const b = r.cpuTimes();
    expect(cpuLoadPct(a, b!)).toBe(50);
    expect(r.memory()?.availableBytes).toBe(9_000_000 * 1024);
  });

  it.runIf(process.platform === 'linux')(
    'the real /proc: a load between 0 and 100 and memory below the total',
    () => {
      const r = new ProcReadings();
      const a = r.cpuTimes()!;
      for (let i = 0; i < 1e6; i++) Math.sqrt(i); // some time passes
      const load = cpuLoadPct(a, r.cpuTimes()!);
      expect(load).toBeGreaterThanOrEqual(0);
      expect(load).toBeLessThanOrEqual(100);
      const m = r.memory()!;
      expect(m.totalBytes).toBe(os.totalmem());
      expect(m.availableBytes).toBeGreaterThan(0);
      expect(m.availableBytes).toBeLessThanOrEqual(m.totalBytes);
    },
  );
});
