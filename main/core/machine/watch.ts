/**
 * The machine watch: cheap readings (CPU load and memory straight from /proc on Linux, else from os.cpus()
 * deltas and systeminformation) every `interval`, the process scan (lean per-platform reader) every
 * `process-interval`, GPU readings from one long-lived nvidia-smi, a bounded history, pressure alerts,
 * and the model-server stop. Paused, it holds no timers and no child processes.
 */
import os from 'node:os';
import type { Systeminformation } from 'systeminformation';

/** Loaded on the first memory sample, not at start-up (a CLI command that never samples never pays for it). */
const si = (): typeof import('systeminformation') => require('systeminformation');
import type { MachineSnapshot, ModelProcess, PressureAlert, StopOutcome } from '../vocabulary';
import { createProcessReader, type ProcessReader } from '../platform/proc-reader';
import { Poller } from '../units/poller';
import { PressureTracker } from './alerts';
import { parseModelsConfig, parseWatchConfig, type ModelsConfig, type WatchConfig } from './config';
import { createNvidiaMonitor, type GpuMonitor } from './gpu-nvidia';
import { ModelScanner, type ModelScan } from './model-scan';
import {
  cpuLoadPct,
  cpuTimes,
  MachineHistory,
  machineSnapshot,
  pressureReadings,
  type CheapSample,
  type CpuTimes,
} from './readings';
import { ProcReadings } from './proc-readings';
import { freeAfterOf } from './relief';
import { stopModelServers, type StopRequest } from './stop';
import { changeSignal } from '../change-signal';

/** The machine watch the core composes (see file comment). */
export interface MachineWatch {
  start(): void;
  stop(): void;
  setPaused(paused: boolean): void;
  snapshot(): MachineSnapshot | null;
  models(): ModelProcess[];
  /** Scans the process table now (coalesced with a scan in flight). */
  refreshModels(): Promise<ModelProcess[]>;
  /** Called on any change; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  onAlert(listener: (alert: PressureAlert, phase: 'raised' | 'cleared') => void): () => void;
  stopModelServers(opts: StopRequest): Promise<StopOutcome[]>;
}

/** Options for createMachineWatch; `reader` and `gpu` are injectable for tests. */
export interface MachineWatchOptions {
  watch?: WatchConfig;
  models?: ModelsConfig;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  reader?: ProcessReader;
  gpu?: GpuMonitor;
}

/** Memory from systeminformation (/proc/meminfo), os.totalmem/freemem where it fails. */
async function readMemory(): Promise<CheapSample['mem']> {
  const mem: Systeminformation.MemData | null = await si()
    .mem()
    .catch(() => null);
  return {
    totalBytes: mem?.total ?? os.totalmem(),
    availableBytes: mem?.available ?? os.freemem(),
    swapTotalBytes: mem?.swaptotal ?? 0,
    swapUsedBytes: mem?.swapused ?? 0,
  };
}

/** The cheap readings' source: /proc read directly on Linux, os.cpus() and systeminformation elsewhere. */
function cheapSource() {
  const proc = process.platform === 'linux' ? new ProcReadings() : null;
  let cores = 0;
  return {
    cpuTimes: (): CpuTimes => proc?.cpuTimes() ?? cpuTimes(os.cpus()),
    cores: () => (cores ||= os.cpus().length),
    memory: async (): Promise<CheapSample['mem']> => proc?.memory() ?? (await readMemory()),
  };
}

/** Turns the GPU monitor (one long-lived nvidia-smi) on and off; it runs only while the watch runs unpaused. */
function gpuSwitch(gpu: GpuMonitor | null, onUpdate: () => void): (on: boolean) => void {
  let unGpu: (() => void) | null = null;
  return (on) => {
    if (!gpu || on === (unGpu !== null)) return;
    if (on) {
      unGpu = gpu.onUpdate(onUpdate);
      gpu.start();
    } else {
      unGpu?.();
      unGpu = null;
      gpu.stop();
    }
  };
}

/** Builds a machine watch. Nothing runs until start() (refreshModels/stop work without it). */
export function createMachineWatch(opts: MachineWatchOptions = {}): MachineWatch {
  const cfg = opts.watch ?? parseWatchConfig(undefined);
  const mcfg = opts.models ?? parseModelsConfig(undefined);
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  let reader: ProcessReader | null = opts.reader ?? null;
  const getReader = () => (reader ??= createProcessReader());
  const gpu = opts.gpu ?? (cfg.gpu ? createNvidiaMonitor({ intervalMs: cfg.intervals.gpuMs, env }) : null);
  const tracker = new PressureTracker(cfg.alerts);
  const changes = changeSignal();
  const alertListeners = new Set<(a: PressureAlert, phase: 'raised' | 'cleared') => void>();
  const history = new MachineHistory(Math.max(2, Math.ceil(cfg.historyMs / cfg.intervals.cheapMs)));
  const scanner = new ModelScanner({ reader: getReader, models: mcfg, gpu, now });
  const emit = changes.emit;

  let prevTimes: CpuTimes | null = null;
  let snap: MachineSnapshot | null = null;
  let modelList: ModelProcess[] = [];
  let scanning: Promise<ModelScan> | null = null;

  const cheap = cheapSource();
  const sampleCheap = async () => {
    const times = cheap.cpuTimes();
    const loadPct = cpuLoadPct(prevTimes, times);
    prevTimes = times;
    const mem = await cheap.memory();
    const s: CheapSample = { at: now(), loadPct, cores: cheap.cores(), mem, gpus: gpu?.readings() ?? [] };
    history.add(s);
    const { raised, cleared } = tracker.update(now(), pressureReadings(s, modelList));
    snap = machineSnapshot(s, history.copy(), tracker.active());
    for (const a of raised) for (const l of alertListeners) l(a, 'raised');
    for (const a of cleared) for (const l of alertListeners) l(a, 'cleared');
    emit();
  };

  const doScan = async (): Promise<ModelScan> => {
    const result = await scanner.scan();
    const changed = JSON.stringify(result.models) !== JSON.stringify(modelList);
    modelList = result.models;
    if (changed) emit();
    return result;
  };
  const scan = () => {
    scanning ??= doScan().finally(() => {
      scanning = null;
    });
    return scanning;
  };

  // Cheap readings every `interval`, the process scan every `process-interval`; paused, neither runs.
  const pollers = [
    new Poller(sampleCheap, { intervalMs: cfg.intervals.cheapMs }),
    new Poller(() => scan().then(() => undefined), { intervalMs: cfg.intervals.processesMs }),
  ];
  let running = false;
  let paused = false;
  const gpuRuns = gpuSwitch(gpu, emit);

  return {
    start() {
      if (running) return;
      running = true;
      for (const p of pollers) p.start();
      gpuRuns(!paused);
    },
    stop() {
      running = false;
      for (const p of pollers) p.stop();
      gpuRuns(false);
      reader?.close();
      reader = opts.reader ?? null;
    },
    setPaused(p) {
      if (p === paused) return;
      paused = p;
      for (const poller of pollers) poller.setPaused(p);
      gpuRuns(running && !p);
      emit();
    },
    snapshot: () => snap,
    models: () => modelList,
    refreshModels: async () => (await scan()).models,
    subscribe(l) {
      return changes.subscribe(l);
    },
    onAlert(l) {
      alertListeners.add(l);
      return () => alertListeners.delete(l);
    },
    async stopModelServers(req) {
      const g = gpu?.available() ? gpu : null;
      const out = await stopModelServers(
        {
          reader: getReader(),
          cfg: mcfg,
          env,
          scan: () => doScan(),
          gpuApps: g ? () => g.computeApps() : undefined,
          freeNow: async () => {
            const [mem, gpus] = await Promise.all([cheap.memory(), g?.readNow ? g.readNow() : g?.readings()]);
            return freeAfterOf(now(), mem.availableBytes, gpus ?? []);
          },
        },
        req,
      );
      void scan().catch(() => {});
      return out;
    },
  };
}

declare module '../vocabulary/step-kind' {
  interface StepServices {
    /** The project's machine watch (one per loaded project); absent: stop-local-models starts its own. */
    machine?: MachineWatch;
  }
}
