/**
 * The machine's pressure as `offload status` shows it: memory and CPU now, the alerts a running watch holds,
 * and the model servers using the most memory with what the rule does about them. A one-shot command has no
 * watch: it reads the OS's own counters once (no sampling loop).
 */
import os from 'node:os';
import type { MachineSnapshot, ModelProcess, PressureAlert } from '../vocabulary';
import { pressureAdvice, topModels } from './alerts';

/** The machine section of `status` and `status --json`. */
export interface MachinePressure {
  at: string;
  ram: { usedPct: number; usedBytes: number; totalBytes: number };
  cpu: { loadPct: number; cores: number };
  /** Alerts raised by a running watch (empty in a one-shot command). */
  alerts: PressureAlert[];
  /** The model servers holding the most memory, biggest first. */
  topModels: PressureAlert['topModels'];
  /** What the rule does about them; empty when no model server runs. */
  advice: string;
}

/** The pressure now: from the watch's snapshot when it runs, else from the OS counters. */
export function machinePressure(
  snap: MachineSnapshot | null,
  models: readonly ModelProcess[],
  now = Date.now(),
): MachinePressure {
  const total = snap?.mem.totalBytes ?? os.totalmem();
  const used = snap ? snap.mem.totalBytes - snap.mem.availableBytes : total - os.freemem();
  const cores = snap?.cpu.cores ?? Math.max(1, os.availableParallelism());
  const loadPct = snap?.cpu.loadPct ?? Math.min(100, ((os.loadavg()[0] ?? 0) / cores) * 100);
  const top = topModels([...models]);
  return {
    at: snap?.at ?? new Date(now).toISOString(),
    ram: { usedPct: total ? Math.round((used / total) * 100) : 0, usedBytes: used, totalBytes: total },
    cpu: { loadPct: Math.round(loadPct), cores },
    alerts: snap?.alerts ?? [],
    topModels: top,
    advice: pressureAdvice(top).trim(),
  };
}
