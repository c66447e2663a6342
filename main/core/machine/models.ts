/**
 * Turns a process-table scan into the list of local model servers: classify each process, group workers
 * and every other descendant under the top-most model server above them, and add up their cost.
 */
import type { ModelProcess } from '../vocabulary';
import type { ProcInfo } from '../platform/proc-reader';
import { classify, commandView, exeIdentityHolds, isExcluded, type Classification } from './catalogue';
import { redactedCommandLine } from './redact';
import type { ModelsConfig } from './config';

/** A model server found in a scan, before ports/GPU/loaded models are attached. */
export interface FoundServer {
  proc: ProcInfo;
  cls: Classification;
  /** Descendants (pid order: parents before children). */
  tree: ProcInfo[];
}

/**
 * Classification per argv array: readers hand out the same cached array until a process execs, so a
 * WeakMap avoids re-classifying hundreds of unchanged processes every scan.
 */
export type ClassifyCache = WeakMap<string[], Classification | null>;

function classifyCached(p: ProcInfo, cfg: ModelsConfig, cache?: ClassifyCache): Classification | null {
  const hit = cache?.get(p.argv);
  if (hit !== undefined) return hit;
  // Matched by what it runs, never by a title it set for itself. The executable is asked only of a command
  // line that matches (readers may read it lazily: one link per candidate, not per process).
  let cls = classify(p.argv, { matchers: cfg.matchers, builtin: cfg.builtin });
  if (cls && !exeIdentityHolds(p.argv, p.exe)) cls = null;
  if (cls && cfg.exclude.length && isExcluded(p.pid, commandView(p.argv), cfg.exclude)) cls = null;
  cache?.set(p.argv, cls);
  return cls;
}

/** Finds the model servers in `procs`. `self` (our own pid) and excluded processes are never included. */
export function findModelServers(
  procs: ProcInfo[],
  cfg: ModelsConfig,
  self = process.pid,
  cache?: ClassifyCache,
): FoundServer[] {
  const byPid = new Map<number, ProcInfo>();
  const kids = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    byPid.set(p.pid, p);
    const list = kids.get(p.ppid);
    if (list) list.push(p);
    else kids.set(p.ppid, [p]);
  }
  const matched = new Map<number, Classification>();
  for (const p of procs) {
    if (p.pid === self || p.argv.length === 0) continue;
    // Exclusion by pid cannot be cached per argv.
    if (cfg.exclude.some((e) => e.pid !== undefined) && isExcluded(p.pid, commandView(p.argv), cfg.exclude))
      continue;
    const cls = classifyCached(p, cfg, cache);
    if (cls) matched.set(p.pid, cls);
  }
  const out: FoundServer[] = [];
  for (const [pid, cls] of matched) {
    // Top-most: no matched ancestor.
    let anc = byPid.get(pid)?.ppid;
    let nested = false;
    for (let guard = 0; anc !== undefined && anc > 1 && guard < 64; guard++) {
      if (matched.has(anc)) {
        nested = true;
        break;
      }
      anc = byPid.get(anc)?.ppid;
    }
    if (nested) continue;
    const proc = byPid.get(pid)!;
    const tree: ProcInfo[] = [];
    const stack = [...(kids.get(pid) ?? [])];
    while (stack.length) {
      const c = stack.shift()!;
      if (c.pid === self) continue;
      tree.push(c);
      stack.push(...(kids.get(c.pid) ?? []));
    }
    out.push({ proc, cls, tree });
  }
  return out.sort((a, b) => a.proc.pid - b.proc.pid);
}

/** Builds the ModelProcess the front ends show (cost of the whole tree). */
export function toModelProcess(
  f: FoundServer,
  cpuPct: (p: ProcInfo) => number,
  extra: Partial<Pick<ModelProcess, 'ports' | 'gpuMemBytes' | 'loadedModels' | 'supervisor'>>,
): ModelProcess {
  const all = [f.proc, ...f.tree];
  const view = commandView(f.proc.argv);
  return {
    pid: f.proc.pid,
    ppid: f.proc.ppid,
    server: f.cls.server,
    title: f.cls.title,
    exe: view.module ? `${f.proc.argv[0] ?? ''} -m ${view.module}` : view.path,
    cmdline: redactedCommandLine(f.proc.argv),
    cpuPct: Math.round(all.reduce((s, p) => s + cpuPct(p), 0) * 10) / 10,
    rssBytes: all.reduce((s, p) => s + p.rssBytes, 0),
    ports: extra.ports ?? [],
    gpuMemBytes: extra.gpuMemBytes,
    loadedModels: extra.loadedModels,
    supervisor: extra.supervisor,
    children: f.tree.map((p) => p.pid),
    user: f.proc.user,
  };
}
