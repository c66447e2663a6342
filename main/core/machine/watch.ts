/**
 * The machine watch: cheap readings (CPU load from os.cpus() deltas, memory via systeminformation's
 * /proc/meminfo read) every `interval`, the process scan (lean per-platform reader) every
 * `process-interval`, GPU readings from one long-lived nvidia-smi, a bounded history, pressure alerts,
 * and the model-server stop. Paused, it holds no timers and no child processes.
 */
import os from 'node:os';
import type { Systeminformation } from 'systeminformation';

/** Loaded on the first memory sample, not at start-up (a CLI command that never samples never pays for it). */
const si = (): typeof import('systeminformation') => require('systeminformation');
import type { MachineSnapshot, ModelProcess, PressureAlert, StopOutcome } from '../vocabulary';
import { createProcessReader, type ProcessReader, type ProcInfo } from '../platform/proc-reader';
import { PressureTracker } from './alerts';
import { parseModelsConfig, parseWatchConfig, type ModelsConfig, type WatchConfig } from './config';
import { createNvidiaMonitor, type GpuMonitor } from './gpu-nvidia';
import { ollamaLoaded } from './graceful';
import { findModelServers, toModelProcess, type ClassifyCache, type FoundServer } from './models';
import { stopModelServers, type StopRequest } from './stop';
import { detectSupervisor } from './supervisor';
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
  const historyLen = Math.max(2, Math.ceil(cfg.historyMs / cfg.intervals.cheapMs));
  const history = { cpu: [] as number[], mem: [] as number[], gpu: [] as number[] };
  const prevCpu = new Map<string, { cpuMs: number; at: number }>();
  const cpuPct = new Map<string, number>();
  const supervisors = new Map<string, ModelProcess['supervisor'] | null>();
  const classified: ClassifyCache = new WeakMap();

  let running = false;
  let paused = false;
  let cheapTimer: NodeJS.Timeout | null = null;
  let procTimer: NodeJS.Timeout | null = null;
  let unGpu: (() => void) | null = null;
  let prevTimes: { idle: number; total: number } | null = null;
  let snap: MachineSnapshot | null = null;
  let modelList: ModelProcess[] = [];
  let scanning: Promise<{ found: FoundServer[]; models: ModelProcess[] }> | null = null;

  const emit = changes.emit;
  const push = (arr: number[], v: number) => {
    arr.push(Math.round(v * 10) / 10);
    if (arr.length > historyLen) arr.splice(0, arr.length - historyLen);
  };
  const pkey = (p: ProcInfo) => `${p.pid}:${p.start}`;

  const cpuLoad = (): number => {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      const t = c.times;
      idle += t.idle;
      total += t.user + t.nice + t.sys + t.idle + t.irq;
    }
    const prev = prevTimes;
    prevTimes = { idle, total };
    if (!prev || total <= prev.total) return 0;
    return Math.max(0, Math.min(100, 100 * (1 - (idle - prev.idle) / (total - prev.total))));
  };

  const sampleCheap = async () => {
    const load = cpuLoad();
    const mem: Systeminformation.MemData | null = await si()
      .mem()
      .catch(() => null);
    const totalBytes = mem?.total ?? os.totalmem();
    const availableBytes = mem?.available ?? os.freemem();
    const usedBytes = totalBytes - availableBytes;
    const gpus = gpu?.readings() ?? [];
    push(history.cpu, load);
    push(history.mem, totalBytes ? (100 * usedBytes) / totalBytes : 0);
    push(
      history.gpu,
      gpus.reduce((m, g) => Math.max(m, g.utilizationPct ?? 0), 0),
    );
    const { raised, cleared } = tracker.update(now(), {
      ramPct: totalBytes ? (100 * usedBytes) / totalBytes : undefined,
      cpuPct: load,
      gpus: gpus.map((g) => ({
        index: g.index,
        name: g.name,
        memPct: g.memTotalBytes ? (100 * (g.memUsedBytes ?? 0)) / g.memTotalBytes : undefined,
      })),
      models: modelList,
    });
    snap = {
      at: new Date(now()).toISOString(),
      cpu: { loadPct: Math.round(load * 10) / 10, cores: os.cpus().length },
      mem: {
        totalBytes,
        usedBytes,
        availableBytes,
        swapTotalBytes: mem?.swaptotal ?? 0,
        swapUsedBytes: mem?.swapused ?? 0,
      },
      gpus,
      history: { cpu: [...history.cpu], mem: [...history.mem], gpu: [...history.gpu] },
      alerts: tracker.active(),
    };
    for (const a of raised) for (const l of alertListeners) l(a, 'raised');
    for (const a of cleared) for (const l of alertListeners) l(a, 'cleared');
    emit();
  };

  const doScan = async (): Promise<{ found: FoundServer[]; models: ModelProcess[] }> => {
    const r = getReader();
    const procs = await r.scan();
    const at = now();
    const seen = new Set<string>();
    const byPid = new Map<number, ProcInfo>();
    for (const p of procs) byPid.set(p.pid, p);
    // A zombie (killed, not yet reaped: a container whose init does not reap) is no model server any more.
    const found = findModelServers(procs, mcfg, process.pid, classified).filter((f) =>
      r.alive(f.proc.pid, f.proc.start),
    );
    // Fresh CPU time and RSS only for the processes that are shown (the scan may reuse older readings).
    if (found.length) {
      const fresh = new Map(
        r.sample(found.flatMap((f) => [f.proc, ...f.tree].map((p) => p.pid))).map((p) => [p.pid, p]),
      );
      for (const f of found) {
        const upd = (p: ProcInfo) => {
          const n = fresh.get(p.pid);
          return n && n.start === p.start ? n : p;
        };
        f.proc = upd(f.proc);
        f.tree = f.tree.map(upd);
      }
    }
    // CPU % only for processes that belong to model servers (the rest is not shown).
    for (const f of found) {
      for (const p of [f.proc, ...f.tree]) {
        const k = pkey(p);
        seen.add(k);
        const prev = prevCpu.get(k);
        if (prev && at > prev.at) cpuPct.set(k, Math.max(0, (100 * (p.cpuMs - prev.cpuMs)) / (at - prev.at)));
        prevCpu.set(k, { cpuMs: p.cpuMs, at });
      }
    }
    for (const k of prevCpu.keys()) {
      if (seen.has(k)) continue;
      prevCpu.delete(k);
      cpuPct.delete(k);
    }
    const ports = found.length
      ? await r.listeningPorts(found.map((f) => f.proc.pid))
      : new Map<number, number[]>();
    const apps = found.length && gpu?.available() ? await gpu.computeApps() : new Map<number, number>();
    const models: ModelProcess[] = [];
    for (const f of found) {
      const k = pkey(f.proc);
      if (!supervisors.has(k)) {
        const parent = byPid.get(f.proc.ppid);
        const hints = await r.supervisorHints(f.proc.pid);
        const parentHints = parent && parent.pid > 1 ? await r.supervisorHints(parent.pid) : undefined;
        supervisors.set(k, detectSupervisor(f.proc, hints, parent, parentHints, r.platform) ?? null);
      }
      let gpuMem: number | undefined;
      if (gpu?.available()) {
        gpuMem = 0;
        for (const p of [f.proc, ...f.tree]) gpuMem += apps.get(p.pid) ?? 0;
      }
      const myPorts = ports.get(f.proc.pid) ?? [];
      let loaded: ModelProcess['loadedModels'];
      if (f.cls.server === 'ollama') {
        // Only ports this server itself listens on: OLLAMA_HOST or the default may be another user's server.
        for (const port of myPorts) {
          const l = await ollamaLoaded(port);
          if (l) {
            loaded = l;
            break;
          }
        }
      }
      models.push(
        toModelProcess(f, (p) => cpuPct.get(pkey(p)) ?? 0, {
          ports: myPorts,
          gpuMemBytes: gpuMem,
          loadedModels: loaded,
          supervisor: supervisors.get(k) ?? undefined,
        }),
      );
    }
    const live = new Set(found.map((f) => pkey(f.proc)));
    for (const k of supervisors.keys()) if (!live.has(k)) supervisors.delete(k);
    const changed = JSON.stringify(models) !== JSON.stringify(modelList);
    modelList = models;
    if (changed) emit();
    return { found, models };
  };

  const scan = () => {
    scanning ??= doScan().finally(() => {
      scanning = null;
    });
    return scanning;
  };

  const schedule = () => {
    if (!running || paused) return;
    const cheap = async () => {
      await sampleCheap().catch(() => {});
      if (running && !paused) cheapTimer = setTimeout(cheap, cfg.intervals.cheapMs);
    };
    const proc = async () => {
      await scan().catch(() => {});
      if (running && !paused) procTimer = setTimeout(proc, cfg.intervals.processesMs);
    };
    void cheap();
    void proc();
    if (gpu) {
      unGpu = gpu.onUpdate(emit);
      gpu.start();
    }
  };
  const unschedule = () => {
    if (cheapTimer) clearTimeout(cheapTimer);
    if (procTimer) clearTimeout(procTimer);
    cheapTimer = procTimer = null;
    unGpu?.();
    unGpu = null;
    gpu?.stop();
  };

  return {
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    stop() {
      running = false;
      unschedule();
      reader?.close();
      reader = opts.reader ?? null;
    },
    setPaused(p) {
      if (p === paused) return;
      paused = p;
      if (p) unschedule();
      else schedule();
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
      const out = await stopModelServers({ reader: getReader(), cfg: mcfg, env, scan: () => doScan() }, req);
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
