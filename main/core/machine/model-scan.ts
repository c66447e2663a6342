/**
 * One model-server scan: the process table read, the model servers in it (zombies left out: killed, not
 * yet reaped, they are no server any more), fresh CPU/RSS for just those, CPU rates between scans, ports,
 * GPU memory, supervisors (detected once per process) and Ollama's loaded models (asked again only when
 * the server's process tree or ports change, or the answer is older than LOADED_MAX_AGE_MS: Ollama starts
 * one runner per loaded model). Each step is a small function or class with its unit test beside it;
 * ModelScanner strings them together.
 */
import type { ModelProcess, Supervisor } from '../vocabulary';
import type { ProcessReader, ProcInfo } from '../platform/proc-reader';
import type { ModelsConfig } from './config';
import type { GpuMonitor } from './gpu-nvidia';
import { ollamaLoaded } from './graceful';
import { findModelServers, toModelProcess, type ClassifyCache, type FoundServer } from './models';
import { detectSupervisor } from './supervisor';

/** A scan's result: the servers as found (for the stop) and as shown. */
export interface ModelScan {
  found: FoundServer[];
  models: ModelProcess[];
}

/** How long Ollama's loaded models are believed while the server's tree and ports stay the same. */
export const LOADED_MAX_AGE_MS = 60_000;

/** A process's identity across pid reuse. */
export const procKey = (p: Pick<ProcInfo, 'pid' | 'start'>): string => `${p.pid}:${p.start}`;

/** The model servers in `procs` that still run (a zombie the table still lists is none). */
export function liveModelServers(
  procs: ProcInfo[],
  cfg: ModelsConfig,
  alive: (pid: number, start: number) => boolean,
  self = process.pid,
  cache?: ClassifyCache,
): FoundServer[] {
  return findModelServers(procs, cfg, self, cache).filter((f) => alive(f.proc.pid, f.proc.start));
}

/** The servers with the fresh readings of the same processes (a pid now held by another process is ignored). */
export function withFreshReadings(found: FoundServer[], fresh: readonly ProcInfo[]): FoundServer[] {
  const byPid = new Map(fresh.map((p) => [p.pid, p]));
  const upd = (p: ProcInfo) => {
    const n = byPid.get(p.pid);
    return n && n.start === p.start ? n : p;
  };
  return found.map((f) => ({ ...f, proc: upd(f.proc), tree: f.tree.map(upd) }));
}

/** CPU % per process from its CPU time between two scans; processes no longer listed are forgotten. */
export class CpuRates {
  private readonly prev = new Map<string, { cpuMs: number; at: number }>();
  private readonly pct = new Map<string, number>();

  /** Takes this scan's readings of every process of every server. */
  update(procs: readonly ProcInfo[], at: number): void {
    const seen = new Set<string>();
    for (const p of procs) {
      const k = procKey(p);
      seen.add(k);
      const prev = this.prev.get(k);
      if (prev && at > prev.at) this.pct.set(k, Math.max(0, (100 * (p.cpuMs - prev.cpuMs)) / (at - prev.at)));
      this.prev.set(k, { cpuMs: p.cpuMs, at });
    }
    for (const k of this.prev.keys()) {
      if (seen.has(k)) continue;
      this.prev.delete(k);
      this.pct.delete(k);
    }
  }

  /** The process's CPU % (0 until it was seen twice). */
  of(p: ProcInfo): number {
    return this.pct.get(procKey(p)) ?? 0;
  }
}

/** GPU memory of a server's whole tree, or undefined without a GPU to ask. */
export function treeGpuMem(
  f: FoundServer,
  apps: ReadonlyMap<number, number>,
  gpuAvailable: boolean,
): number | undefined {
  if (!gpuAvailable) return undefined;
  return [f.proc, ...f.tree].reduce((sum, p) => sum + (apps.get(p.pid) ?? 0), 0);
}

/** What a scan needs; `loaded` (Ollama's /api/ps) is injectable for tests. */
export interface ModelScanDeps {
  reader(): ProcessReader;
  models: ModelsConfig;
  gpu: GpuMonitor | null;
  now(): number;
  self?: number;
  loaded?: (port: number) => Promise<ModelProcess['loadedModels'] | null>;
}

/** Scans for model servers, remembering CPU readings and supervisors between scans. */
export class ModelScanner {
  private readonly rates = new CpuRates();
  private readonly supervisors = new Map<string, Supervisor | null>();
  private readonly classified: ClassifyCache = new WeakMap();
  /** The last table and the servers in it (see serversIn). */
  private table: { procs: ProcInfo[]; found: FoundServer[] } | null = null;
  private readonly loaded = new Map<
    string,
    { sig: string; at: number; models: ModelProcess['loadedModels'] }
  >();

  constructor(private readonly d: ModelScanDeps) {}

  async scan(): Promise<ModelScan> {
    const r = this.d.reader();
    const procs = await r.scan();
    const at = this.d.now();
    let found = this.serversIn(procs).filter((f) => r.alive(f.proc.pid, f.proc.start));
    // Fresh CPU time and RSS only for the processes that are shown (the scan may reuse older readings).
    if (found.length)
      found = withFreshReadings(found, r.sample(found.flatMap((f) => [f.proc, ...f.tree]).map((p) => p.pid)));
    this.rates.update(
      found.flatMap((f) => [f.proc, ...f.tree]),
      at,
    );
    const gpu = this.d.gpu?.available() ? this.d.gpu : null;
    const ports = found.length
      ? await r.listeningPorts(found.map((f) => f.proc.pid))
      : new Map<number, number[]>();
    const apps = found.length && gpu ? await gpu.computeApps() : new Map<number, number>();
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const models: ModelProcess[] = [];
    for (const f of found) {
      const myPorts = ports.get(f.proc.pid) ?? [];
      models.push(
        toModelProcess(f, (p) => this.rates.of(p), {
          ports: myPorts,
          gpuMemBytes: treeGpuMem(f, apps, !!gpu),
          loadedModels: f.cls.server === 'ollama' ? await this.loadedOf(f, myPorts, at) : undefined,
          supervisor: (await this.supervisorOf(r, f, byPid)) ?? undefined,
        }),
      );
    }
    const live = new Set(found.map((f) => procKey(f.proc)));
    for (const k of this.supervisors.keys()) if (!live.has(k)) this.supervisors.delete(k);
    for (const k of this.loaded.keys()) if (!live.has(k)) this.loaded.delete(k);
    return { found, models };
  }

  /**
   * The model servers in `procs`, found again only when the table differs from the last one in a process
   * (pid + start), a parent or a command line (readers hand out one argv array per process until it execs).
   * The servers' readings may then be a scan old: the caller refreshes them with sample().
   */
  private serversIn(procs: ProcInfo[]): FoundServer[] {
    const t = this.table;
    const same = (p: ProcInfo, q: ProcInfo | undefined) =>
      !!q && p.pid === q.pid && p.start === q.start && p.ppid === q.ppid && p.argv === q.argv;
    if (t && t.procs.length === procs.length && procs.every((p, i) => same(p, t.procs[i]))) return t.found;
    const found = findModelServers(procs, this.d.models, this.d.self, this.classified);
    this.table = { procs: procs.slice(), found };
    return found;
  }

  /** Ollama's loaded models: remembered while the server's tree and ports stay as they were (see file comment). */
  private async loadedOf(f: FoundServer, ports: number[], at: number): Promise<ModelProcess['loadedModels']> {
    const k = procKey(f.proc);
    const sig = `${f.tree.map(procKey).join(',')}|${ports.join(',')}`;
    const known = this.loaded.get(k);
    if (known && known.sig === sig && at - known.at < LOADED_MAX_AGE_MS) return known.models;
    const models = await this.loadedOn(ports);
    if (models) this.loaded.set(k, { sig, at, models });
    else this.loaded.delete(k);
    return models;
  }

  /** Ollama's loaded models, asked only on ports this server itself listens on (OLLAMA_HOST may be another user's). */
  private async loadedOn(ports: number[]): Promise<ModelProcess['loadedModels']> {
    const ask = this.d.loaded ?? ollamaLoaded;
    for (const port of ports) {
      const l = await ask(port);
      if (l) return l;
    }
    return undefined;
  }

  /** Detected once per process (pid + start) and remembered while it runs. */
  private async supervisorOf(r: ProcessReader, f: FoundServer, byPid: Map<number, ProcInfo>) {
    const k = procKey(f.proc);
    if (!this.supervisors.has(k)) {
      const parent = byPid.get(f.proc.ppid);
      const hints = await r.supervisorHints(f.proc.pid);
      const parentHints = parent && parent.pid > 1 ? await r.supervisorHints(parent.pid) : undefined;
      this.supervisors.set(k, detectSupervisor(f.proc, hints, parent, parentHints, r.platform) ?? null);
    }
    return this.supervisors.get(k);
  }
}
