/**
 * The machine watch's cheap readings as pure steps: CPU load from two os.cpus() samples, bounded sparkline
 * histories, the pressure tracker's inputs and the snapshot the front ends draw. The watch only feeds them.
 */
import type { CpuInfo } from 'node:os';
import type { GpuReading, MachineSnapshot, PressureAlert } from '../vocabulary';
import type { PressureReadings } from './alerts';

/** Summed CPU times of every core (what a load percentage is measured between). */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** Sums the cores' times from os.cpus(). */
export function cpuTimes(cpus: readonly CpuInfo[]): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const c of cpus) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** CPU load (0..100) between two samples; 0 without an earlier sample or when time did not advance. */
export function cpuLoadPct(prev: CpuTimes | null, cur: CpuTimes): number {
  if (!prev || cur.total <= prev.total) return 0;
  return Math.max(0, Math.min(100, 100 * (1 - (cur.idle - prev.idle) / (cur.total - prev.total))));
}

/** Appends a reading (one decimal) and drops the oldest beyond `max`. */
export function pushBounded(arr: number[], v: number, max: number): void {
  arr.push(Math.round(v * 10) / 10);
  if (arr.length > max) arr.splice(0, arr.length - max);
}

/** Memory as read (systeminformation's `mem()`; null: os.totalmem/freemem were used instead). */
export interface MemReading {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

/** One cheap sample: what the snapshot and the pressure tracker are built from. */
export interface CheapSample {
  at: number;
  loadPct: number;
  cores: number;
  mem: MemReading;
  gpus: GpuReading[];
}

const usedPct = (m: MemReading) =>
  m.totalBytes ? (100 * (m.totalBytes - m.availableBytes)) / m.totalBytes : undefined;

/** The pressure tracker's readings for a sample (RAM %, CPU %, each GPU's memory %). */
export function pressureReadings(s: CheapSample, models: PressureReadings['models']): PressureReadings {
  return {
    ramPct: usedPct(s.mem),
    cpuPct: s.loadPct,
    gpus: s.gpus.map((g) => ({
      index: g.index,
      name: g.name,
      memPct: g.memTotalBytes ? (100 * (g.memUsedBytes ?? 0)) / g.memTotalBytes : undefined,
    })),
    models,
  };
}

/** Sparkline histories (oldest first), each bounded. */
export class MachineHistory {
  private readonly cpu: number[] = [];
  private readonly mem: number[] = [];
  private readonly gpu: number[] = [];

  constructor(private readonly max: number) {}

  /** Adds a sample's CPU, memory and busiest-GPU percentages. */
  add(s: CheapSample): void {
    pushBounded(this.cpu, s.loadPct, this.max);
    pushBounded(this.mem, usedPct(s.mem) ?? 0, this.max);
    pushBounded(
      this.gpu,
      s.gpus.reduce((m, g) => Math.max(m, g.utilizationPct ?? 0), 0),
      this.max,
    );
  }

  /** Copies (the snapshot must not change when the next sample comes). */
  copy(): MachineSnapshot['history'] {
    return { cpu: [...this.cpu], mem: [...this.mem], gpu: [...this.gpu] };
  }
}

/** The snapshot for a sample. */
export function machineSnapshot(
  s: CheapSample,
  history: MachineSnapshot['history'],
  alerts: PressureAlert[],
): MachineSnapshot {
  return {
    at: new Date(s.at).toISOString(),
    cpu: { loadPct: Math.round(s.loadPct * 10) / 10, cores: s.cores },
    mem: {
      totalBytes: s.mem.totalBytes,
      usedBytes: s.mem.totalBytes - s.mem.availableBytes,
      availableBytes: s.mem.availableBytes,
      swapTotalBytes: s.mem.swapTotalBytes,
      swapUsedBytes: s.mem.swapUsedBytes,
    },
    gpus: s.gpus,
    history,
    alerts,
  };
}
