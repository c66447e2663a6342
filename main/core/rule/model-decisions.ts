/**
 * What the rule does with the model servers it sees while AWS is ready, as pure functions: stop a newcomer,
 * or — when something restarts it (a known supervisor, or the same server back under the same parent right
 * after a stop) — report that once per episode and never kill it again; and the notice a stop deserves,
 * titled by what really happened. A server started again by hand under the same shell is stopped again
 * once; a second return under that parent within the window counts as a restarter too.
 */
import type { ModelProcess, StopOutcome } from '../vocabulary';
import { mayEndRestarter, RESTARTING, restartedByText } from '../machine/supervisor';
import { freeAfterText, freedText } from '../machine/relief';

/** A server the rule stopped in this episode (what a respawn is recognised by). */
export interface StoppedServer {
  pid: number;
  ppid: number;
  server: string;
  cmdline: string;
  at: number;
  /** The stop's own check saw it come back at once (within `models.verify`). */
  respawned: boolean;
}

/** What the rule remembers within one episode (AWS ready, from the gate opening to its closing). */
export interface Episode {
  /** Pids already acted on or reported: never again in this episode. */
  seen: ReadonlySet<number>;
  stopped: readonly StoppedServer[];
  /** Restarters already reported (`pid:server`). */
  told: ReadonlySet<string>;
  /** `models.stop-restarters`: a shell loop may be ended with its server (then it is stopped, not reported). */
  stopRestarters?: boolean;
}

/** One "restarted by" report. */
export interface RestartReport {
  model: ModelProcess;
  by: { pid: number; name?: string };
  /** The episode key of the restarter (`pid:server`). */
  key: string;
  text: string;
}

export interface ModelDecision {
  stop: ModelProcess[];
  /** Restarted servers to report now (one per restarter). */
  report: RestartReport[];
  /** Pids to remember without any action (restarted again by one already reported). */
  quiet: number[];
}

/** How soon after a stop a server under the same parent counts as restarted by it. */
export const RESPAWN_WINDOW_MS = 60_000;

/** What restarts `m`: its known supervisor, or the parent it came back under after a stop in this episode. */
export function restarterOf(
  m: ModelProcess,
  stopped: readonly StoppedServer[],
  now: number,
  windowMs = RESPAWN_WINDOW_MS,
  stopRestarters = false,
): { pid: number; name?: string } | undefined {
  const sup = m.supervisor;
  if (mayEndRestarter(sup, stopRestarters)) return undefined;
  if (sup && RESTARTING.has(sup.kind)) return { pid: sup.pid ?? m.ppid, name: sup.name };
  if (m.ppid <= 1) return undefined;
  const before = stopped.filter(
    (s) =>
      s.pid !== m.pid &&
      s.ppid === m.ppid &&
      (s.server === m.server || s.cmdline === m.cmdline) &&
      now - s.at <= windowMs,
  );
  const restarts = before.some((s) => s.respawned) || before.length >= 2;
  return restarts ? { pid: m.ppid, name: sup?.name } : undefined;
}

/** Decides, for the servers listed now, which to stop and which restarts to report (see file comment). */
export function decideModels(models: readonly ModelProcess[], ep: Episode, now: number): ModelDecision {
  const out: ModelDecision = { stop: [], report: [], quiet: [] };
  const toldNow = new Set(ep.told);
  for (const m of models) {
    if (ep.seen.has(m.pid)) continue;
    const by = restarterOf(m, ep.stopped, now, RESPAWN_WINDOW_MS, ep.stopRestarters);
    if (!by) {
      out.stop.push(m);
      continue;
    }
    const key = `${by.pid}:${m.server}`;
    if (toldNow.has(key)) {
      out.quiet.push(m.pid);
      continue;
    }
    toldNow.add(key);
    out.report.push({ model: m, by, key, text: restartedByText(m.title, m.pid, by) });
  }
  return out;
}

/** The notice for a stop: titled by what happened; null when there is nothing new to say. */
export function stopNotice(
  outcomes: readonly StopOutcome[],
  trigger: 'gate-opened' | 'restarted-while-aws-ready',
): { level: 'info' | 'warning'; title: string; body: string } | null {
  const stopped = outcomes.filter((o) => o.result === 'stopped');
  const respawned = outcomes.filter((o) => o.result === 'respawned');
  const failed = outcomes.filter((o) => o.result === 'refused' || o.result === 'failed');
  if (!stopped.length && !respawned.length && !failed.length) return null;
  const body = [
    stopped.length ? `stopped ${stopped.map((o) => o.title).join(', ')}` : '',
    respawned.length
      ? `${respawned.map((o) => `${o.title} ${o.reason ?? 'came back'}`).join(', ')}${respawned[0]!.advice ? ` — ${respawned[0]!.advice}` : ''}`
      : '',
    failed.length
      ? `left running: ${failed.map((o) => `${o.title} (${o.reason ?? o.result}${o.advice ? `; ${o.advice}` : ''})`).join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
  const level = failed.length || respawned.length ? 'warning' : 'info';
  // What the stop gave back heads the notice ("Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped").
  const freed = stopped.some((o) => o.freed) ? freedText(stopped) : undefined;
  const free = stopped.find((o) => o.freeAfter)?.freeAfter;
  if (stopped.length && freed)
    return {
      level,
      title: `${freed}${trigger === 'gate-opened' ? '' : ' again'} — AWS is serving`,
      body: free ? `${body}; ${freeAfterText(free)}` : body,
    };
  if (stopped.length)
    return {
      level,
      title:
        trigger === 'gate-opened' ? 'AWS is ready: local models stopped' : 'Local model server stopped again',
      body,
    };
  if (respawned.length)
    return { level, title: 'Local model server restarted by its parent (not stopped again)', body };
  return {
    level,
    title:
      trigger === 'gate-opened'
        ? 'AWS is ready: local model servers left running'
        : 'Local model server left running',
    body,
  };
}
