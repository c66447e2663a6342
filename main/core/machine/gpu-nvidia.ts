/**
 * NVIDIA GPU readings through ONE long-lived `nvidia-smi --query-gpu=… -l N` child whose streaming CSV
 * lines are parsed as they arrive (a real nvidia-smi call can take seconds and keeps the GPU awake, so it
 * is never spawned per sample), plus `--query-compute-apps` asked only when model servers exist.
 * No nvidia-smi on PATH means no NVIDIA GPUs, not an error.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { GpuReading } from '../vocabulary';
import { changeSignal } from '../change-signal';
import { findOwnTool } from '../platform/shell';

/** The exact query the monitor streams (the fixture nvidia-smi answers this one). */
export const GPU_QUERY = 'index,name,utilization.gpu,memory.used,memory.total,temperature.gpu';
/** The exact per-process query. */
export const APPS_QUERY = 'pid,used_memory';

const MIB = 1024 * 1024;

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || t.startsWith('[') || t === 'N/A') return undefined; // [N/A], [Not Supported]
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
};

/** Parses one `--query-gpu=index,name,…` line (csv,noheader,nounits). */
export function parseGpuLine(line: string): GpuReading | null {
  const f = line.split(', ');
  if (f.length < 6) return null;
  const index = num(f[0]);
  if (index === undefined) return null;
  // A GPU name never holds ", " in practice, but join the middle to be safe.
  const tail = f.slice(-4);
  const name = f
    .slice(1, f.length - 4)
    .join(', ')
    .trim();
  const used = num(tail[1]);
  const total = num(tail[2]);
  return {
    index,
    name,
    vendor: 'NVIDIA',
    utilizationPct: num(tail[0]),
    memUsedBytes: used === undefined ? undefined : used * MIB,
    memTotalBytes: total === undefined ? undefined : total * MIB,
    temperatureC: num(tail[3]),
  };
}

/** Parses `--query-compute-apps=pid,used_memory` output into pid -> bytes (summed over GPUs). */
export function parseComputeApps(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split(/\r?\n/)) {
    const f = line.split(',');
    if (f.length < 2) continue;
    const pid = num(f[0]);
    const mib = num(f[1]);
    if (pid === undefined) continue;
    out.set(pid, (out.get(pid) ?? 0) + (mib ?? 0) * MIB);
  }
  return out;
}

/** The GPU side of the machine watch. */
export interface GpuMonitor {
  start(): void;
  stop(): void;
  readings(): GpuReading[];
  /** pid -> GPU memory bytes of compute processes; empty when there is no NVIDIA GPU. */
  computeApps(): Promise<Map<number, number>>;
  /** One reading of every GPU now (its own short nvidia-smi call, for after a stop); empty without a GPU. */
  readNow?(): Promise<GpuReading[]>;
  /** Called when a full set of readings arrived. */
  onUpdate(listener: () => void): () => void;
  available(): boolean;
}

/** Builds the NVIDIA monitor (inert when nvidia-smi is not on PATH). */
export function createNvidiaMonitor(opts: { intervalMs: number; env?: NodeJS.ProcessEnv }): GpuMonitor {
  const env = opts.env ?? process.env;
  // looked up on first use: a one-shot `offload status` that never asks about GPUs does not scan PATH
  let found: { exe: string | undefined } | undefined;
  const nvidiaSmi = () => (found ??= { exe: findOwnTool('nvidia-smi', env) }).exe;
  const gpus = new Map<number, GpuReading>();
  const changes = changeSignal();
  let child: ChildProcess | null = null;
  let running = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  let appsInFlight: Promise<Map<number, number>> | null = null;

  const emit = changes.emit;

  const launch = () => {
    const exe = nvidiaSmi();
    if (!exe || !running) return;
    const secs = Math.max(1, Math.round(opts.intervalMs / 1000));
    const startedAt = Date.now();
    const c = spawn(exe, [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits', '-l', String(secs)], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
      windowsHide: true,
    });
    child = c;
    let buf = '';
    c.stdout!.setEncoding('utf8');
    c.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const r = parseGpuLine(line);
        if (r) {
          gpus.set(r.index, r);
          failures = 0;
          emit();
        }
      }
    });
    c.on('error', () => {});
    c.on('exit', () => {
      if (child === c) child = null;
      if (!running) return;
      gpus.clear();
      emit();
      // Back off when it keeps dying (driver missing, GPU lost): 5 s, 10 s … at most 5 min.
      failures = Date.now() - startedAt < 10_000 ? failures + 1 : 0;
      const delay = Math.min(300_000, 5_000 * 2 ** Math.min(failures, 6));
      restartTimer = setTimeout(launch, delay);
      restartTimer.unref();
    });
  };

  return {
    available: () => nvidiaSmi() !== undefined,
    start() {
      if (running) return;
      running = true;
      launch();
    },
    stop() {
      running = false;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      child?.kill();
      child = null;
    },
    readings: () => [...gpus.values()].sort((a, b) => a.index - b.index),
    computeApps() {
      const exe = nvidiaSmi();
      if (!exe) return Promise.resolve(new Map());
      appsInFlight ??= new Promise<Map<number, number>>((resolve) => {
        execFile(
          exe,
          [`--query-compute-apps=${APPS_QUERY}`, '--format=csv,noheader,nounits'],
          { timeout: 15_000, env, windowsHide: true },
          (err, stdout) => {
            appsInFlight = null;
            resolve(err ? new Map() : parseComputeApps(String(stdout)));
          },
        );
      });
      return appsInFlight;
    },
    readNow() {
      const exe = nvidiaSmi();
      if (!exe) return Promise.resolve([]);
      return new Promise<GpuReading[]>((resolve) => {
        execFile(
          exe,
          [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits'],
          { timeout: 15_000, env, windowsHide: true },
          (err, stdout) =>
            resolve(
              err
                ? []
                : String(stdout)
                    .split(/\r?\n/)
                    .map(parseGpuLine)
                    .filter((r): r is GpuReading => r !== null),
            ),
        );
      });
    },
    onUpdate(listener) {
      return changes.subscribe(listener);
    },
  };
}
