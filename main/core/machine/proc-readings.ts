/**
 * The cheap readings straight from /proc on Linux: CPU times from the first line of /proc/stat and memory
 * from /proc/meminfo, both read into one reused buffer with one synchronous read each (a few µs), instead
 * of os.cpus() (which also reads every core's frequency) and systeminformation's mem() (a promise chain and
 * a fresh buffer every 2 s). Where /proc cannot be read, the watch falls back to those.
 */
import { readInto } from '../platform/proc-linux';
import type { CpuTimes, MemReading } from './readings';

/** /proc/stat's aggregate `cpu` line as os.cpus() sums it (user, nice, system, idle, irq; iowait left out). */
export function parseStatCpu(text: string): CpuTimes | null {
  if (!text.startsWith('cpu ')) return null;
  const end = text.indexOf('\n');
  const f = text
    .slice(4, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/)
    .map(Number);
  if (f.length < 6 || f.slice(0, 6).some((n) => !Number.isFinite(n))) return null;
  const [user, nice, sys, idle, , irq] = f as [number, number, number, number, number, number];
  return { idle, total: user + nice + sys + idle + irq };
}

/** /proc/meminfo as the watch's memory reading (MemAvailable, else free + buffers + cached). */
export function parseMeminfo(text: string): MemReading | null {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) kb.set(line.slice(0, colon), parseInt(line.slice(colon + 1), 10) * 1024);
  }
  const total = kb.get('MemTotal');
  if (!total) return null;
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  const swapTotal = kb.get('SwapTotal') ?? 0;
  return {
    totalBytes: total,
    availableBytes: available,
    swapTotalBytes: swapTotal,
    swapUsedBytes: Math.max(0, swapTotal - (kb.get('SwapFree') ?? swapTotal)),
  };
}

/** Reads CPU times and memory from a /proc root (injectable for tests) into one buffer. */
export class ProcReadings {
  private readonly buf = Buffer.allocUnsafe(16 * 1024);

  constructor(private readonly root = '/proc') {}

  /** The summed CPU times, or null where /proc/stat cannot be read. */
  cpuTimes(): CpuTimes | null {
    // The aggregate line comes first: one short read, never the (long) per-interrupt lines.
    const n = this.read('stat', 512);
    return n > 0 ? parseStatCpu(this.buf.toString('latin1', 0, n)) : null;
  }

  /** Memory, or null where /proc/meminfo cannot be read. */
  memory(): MemReading | null {
    const n = this.read('meminfo', this.buf.length);
    return n > 0 ? parseMeminfo(this.buf.toString('latin1', 0, n)) : null;
  }

  private read(file: string, max: number): number {
    return readInto(`${this.root}/${file}`, this.buf, max);
  }
}
