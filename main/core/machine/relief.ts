/**
 * What offloading freed, as pure functions: what a server held just before its stop (process-tree RSS, GPU
 * memory per process), the headline a notice and the window show, and the running totals ("AWS served 6 h
 * of model time that would have held 9 GiB here") computed from the journal's stops and back-to-local
 * switches. stop.ts records the evidence; the journal keeps it; status and the window show it.
 */
import { formatBytes } from '../format';
export { freeAfterText } from '../format';
import type { JournalEntry } from '../history/project-events';
import type {
  FreeAfter,
  GpuReading,
  HeldResources,
  ModelProcess,
  ReliefSummary,
  ReliefTotal,
  StopOutcome,
} from '../vocabulary';

/** What a server's process tree held, from the scan and the GPU's per-process query (pid → bytes). */
export function heldBy(m: ModelProcess, gpuApps: ReadonlyMap<number, number>): HeldResources {
  const pids = [m.pid, ...m.children];
  const mine = pids.filter((p) => gpuApps.has(p));
  const held: HeldResources = { rssBytes: m.rssBytes, cpuPct: m.cpuPct, pids };
  if (mine.length) {
    held.gpuByPid = Object.fromEntries(mine.map((p) => [String(p), gpuApps.get(p)!]));
    held.gpuMemBytes = mine.reduce((n, p) => n + gpuApps.get(p)!, 0);
  } else if (m.gpuMemBytes !== undefined) held.gpuMemBytes = m.gpuMemBytes;
  return held;
}

/** Free memory now, from the RAM reading and the GPUs' readings (VRAM absent when no GPU reports totals). */
export function freeAfterOf(at: number, ramAvailableBytes: number, gpus: readonly GpuReading[]): FreeAfter {
  const known = gpus.filter((g) => g.memTotalBytes !== undefined && g.memUsedBytes !== undefined);
  const free: FreeAfter = { at: new Date(at).toISOString(), ramAvailableBytes };
  if (known.length) free.vramFreeBytes = known.reduce((n, g) => n + g.memTotalBytes! - g.memUsedBytes!, 0);
  return free;
}

/** RAM and VRAM the stopped servers gave back (servers that came back gave nothing). */
export function freedTotal(outcomes: readonly StopOutcome[]): { ramBytes: number; vramBytes?: number } {
  const stopped = outcomes.filter((o) => o.result === 'stopped' && o.freed);
  const ramBytes = stopped.reduce((n, o) => n + o.freed!.rssBytes, 0);
  const gpu = stopped.filter((o) => o.freed!.gpuMemBytes);
  return gpu.length
    ? { ramBytes, vramBytes: gpu.reduce((n, o) => n + o.freed!.gpuMemBytes!, 0) }
    : { ramBytes };
}

/** "Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped"; undefined when nothing was stopped. */
export function freedText(outcomes: readonly StopOutcome[]): string | undefined {
  const stopped = outcomes.filter((o) => o.result === 'stopped');
  if (!stopped.length) return undefined;
  const f = freedTotal(outcomes);
  const vram = f.vramBytes ? ` and ${formatBytes(f.vramBytes)} VRAM` : '';
  return `Freed ${formatBytes(f.ramBytes)} RAM${vram}: ${stopped.map((o) => o.title).join(', ')} stopped`;
}

/** A stop of local models, or the end of AWS serving for them (back to local, AWS no longer ready). */
export type ReliefEvent =
  { at: number; kind: 'stop'; outcomes: StopOutcome[] } | { at: number; kind: 'end'; why: string };

/** The journal's stops (by the rule, the user or a step) and what ended AWS serving, oldest first. */
export function reliefEvents(entries: readonly JournalEntry[]): ReliefEvent[] {
  const out: ReliefEvent[] = [];
  for (const e of entries) {
    const at = Date.parse(e.at);
    if (!Number.isFinite(at)) continue;
    if (e.kind === 'stop-local-models') out.push({ at, kind: 'stop', outcomes: e.data.outcomes });
    else if (e.kind === 'rule-action' && e.data.action === 'stop-local-models')
      out.push({ at, kind: 'stop', outcomes: e.data.outcomes });
    else if (e.kind === 'config-switch' && e.data.target === 'local' && !e.data.refused)
      out.push({ at, kind: 'end', why: 'back to local' });
    else if (e.kind === 'aws-gate' && e.data.from === 'ready' && e.data.to !== 'ready')
      out.push({ at, kind: 'end', why: `AWS ${e.data.to}` });
  }
  return out;
}

interface Served {
  from: number;
  to: number;
  ramBytes: number;
  vramBytes: number;
}

/** Periods AWS served in place of stopped models: from a stop that freed something to the next end (or now). */
function servedPeriods(events: readonly ReliefEvent[], now: number): Served[] {
  const out: Served[] = [];
  let open: Served | null = null;
  for (const e of events) {
    if (e.kind === 'end') {
      if (open) out.push({ ...open, to: Math.min(e.at, now) });
      open = null;
      continue;
    }
    const f = freedTotal(e.outcomes);
    if (!e.outcomes.some((o) => o.result === 'stopped')) continue;
    // Stopped again while already served (a restart stopped again): the same models, the larger figure.
    if (open) {
      open.ramBytes = Math.max(open.ramBytes, f.ramBytes);
      open.vramBytes = Math.max(open.vramBytes, f.vramBytes ?? 0);
    } else open = { from: e.at, to: now, ramBytes: f.ramBytes, vramBytes: f.vramBytes ?? 0 };
  }
  if (open) out.push({ ...open, to: now });
  return out;
}

/** "6 h", "45 min", "2 d 3 h". */
export function servedText(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 6) / 10;
  if (h < 24) return `${h} h`;
  const d = Math.floor(h / 24);
  return `${d} d ${Math.round(h - d * 24)} h`;
}

/** The total for the window [since, now]: time served, and the most the models would have held here. */
export function reliefTotal(events: readonly ReliefEvent[], since: number, now: number): ReliefTotal {
  let servedMs = 0;
  let ramBytes = 0;
  let vramBytes = 0;
  for (const p of servedPeriods(events, now)) {
    const ms = Math.min(p.to, now) - Math.max(p.from, since);
    if (ms <= 0) continue;
    servedMs += ms;
    ramBytes = Math.max(ramBytes, p.ramBytes);
    vramBytes = Math.max(vramBytes, p.vramBytes);
  }
  const held = `${formatBytes(ramBytes)}${vramBytes ? ` RAM and ${formatBytes(vramBytes)} VRAM` : ''}`;
  return {
    servedMs,
    ramBytes,
    ...(vramBytes ? { vramBytes } : {}),
    text: servedMs
      ? `AWS served ${servedText(servedMs)} of model time that would have held ${held} here`
      : 'no model time served by AWS',
  };
}

/** Local midnight of `now`, and the Monday 00:00 that starts its week. */
export function dayAndWeekStart(now: number): { day: number; week: number } {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  const day = d.getTime();
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return { day, week: d.getTime() };
}

/** The last stop that stopped something, and the totals for today and this week. */
export function reliefSummary(events: readonly ReliefEvent[], now: number): ReliefSummary {
  const { day, week } = dayAndWeekStart(now);
  const summary: ReliefSummary = {
    today: reliefTotal(events, day, now),
    week: reliefTotal(events, week, now),
  };
  const last = [...events]
    .reverse()
    .find((e) => e.kind === 'stop' && e.outcomes.some((o) => o.result === 'stopped'));
  if (last?.kind === 'stop') {
    const stopped = last.outcomes.filter((o) => o.result === 'stopped');
    summary.last = {
      at: new Date(last.at).toISOString(),
      titles: stopped.map((o) => o.title),
      ...freedTotal(last.outcomes),
      ...(stopped.find((o) => o.freeAfter) ? { freeAfter: stopped.find((o) => o.freeAfter)!.freeAfter } : {}),
      text: freedText(last.outcomes)!,
    };
  }
  return summary;
}
