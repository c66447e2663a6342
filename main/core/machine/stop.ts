/**
 * Stopping local model servers: graceful first (the runtime's API), then the process tree is terminated,
 * given a grace period, and what remains is killed; then the stop is verified (processes gone, resources
 * freed, no respawn). Only processes that are model servers and owned by the current user are signalled;
 * supervised servers are stopped through their supervisor or refused with the exact command to run.
 */
import { spawn } from 'node:child_process';
import type { FreeAfter, ModelProcess, StopOutcome } from '../vocabulary';
import type { ListeningSocket } from '../platform/proc-info';
import type { ProcessReader, ProcInfo } from '../platform/proc-reader';
import { signalTree } from '../platform/proc-signal';
import type { ModelsConfig } from './config';
import { gracefulRelease, portFromOllamaHost } from './graceful';
import type { FoundServer } from './models';
import { heldBy } from './relief';
import {
  dryRunHow,
  freedBy,
  noSocketText,
  orderSockets,
  respawnsOf,
  respawnVerdict,
  selectTargets,
  stopKey,
  stopPlan,
  stopRefusal,
  type StopPlan,
  type StopTarget,
} from './stop-plan';

/** What the stop needs from the watch. */
export interface StopDeps {
  reader: ProcessReader;
  cfg: ModelsConfig;
  env: NodeJS.ProcessEnv;
  scan(): Promise<{ found: FoundServer[]; models: ModelProcess[] }>;
  sleep?: (ms: number) => Promise<void>;
  platform?: NodeJS.Platform;
  /** The GPU's per-process memory now (pid → bytes); absent: no GPU to ask. */
  gpuApps?: () => Promise<Map<number, number>>;
  /** Free RAM and VRAM now, read just after a stop; absent: not recorded. */
  freeNow?: () => Promise<FreeAfter>;
}

/** Which servers to stop. Neither `pids` nor `all`: nothing is selected (an error for callers). */
export interface StopRequest {
  pids?: number[];
  all?: boolean;
  dryRun?: boolean;
  /** Only servers whose id (e.g. 'ollama') is listed / not listed. */
  servers?: string[];
  except?: string[];
  /** Overrides the configured respawn watch window. */
  verifyMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function runShell(cmd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, { shell: true, env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let output = '';
    c.stdout.on('data', (d) => (output += String(d)));
    c.stderr.on('data', (d) => (output += String(d)));
    const t = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: -1, output: e.message });
    });
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, output: output.trim().slice(-500) });
    });
  });
}

async function waitGone(
  reader: ProcessReader,
  procs: ProcInfo[],
  ms: number,
  sleep: (ms: number) => Promise<void>,
) {
  const until = Date.now() + ms;
  for (;;) {
    const left = procs.filter((p) => reader.alive(p.pid, p.start));
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(Math.min(100, Math.max(10, until - Date.now())));
  }
}

/** Ends a process tree: SIGTERM, the grace period, then SIGKILL for what remains; the processes left. */
async function signalAndWait(
  d: StopDeps,
  kill: ProcInfo[],
  how: string[],
  sleep: (ms: number) => Promise<void>,
): Promise<ProcInfo[]> {
  const platform = d.platform ?? process.platform;
  how.push(
    ...(await signalTree(
      kill.map((p) => p.pid),
      false,
      platform,
    )),
  );
  let left = await waitGone(d.reader, kill, d.cfg.graceMs, sleep);
  if (left.length) {
    how.push(
      `still running after ${d.cfg.graceMs / 1000} s grace: ${left.map((p) => p.pid).join(', ')}`,
      ...(await signalTree(
        left.map((p) => p.pid),
        true,
        platform,
      )),
    );
    left = await waitGone(d.reader, left, 3000, sleep);
  }
  return left;
}

/** The parent to end with the server: the shell loop that restarts it, or the tray app that would. */
async function parentToEnd(
  d: StopDeps,
  { f }: StopTarget,
  plan: StopPlan,
): Promise<{ p: ProcInfo; why: string } | undefined> {
  const sup = plan.supervisor;
  if (!plan.endLoop && sup?.kind !== 'tray-app') return undefined;
  const parent = (await d.reader.scan()).find(
    (p) => p.pid === f.proc.ppid && (!plan.endLoop || p.pid === sup!.pid),
  );
  if (!parent || !d.reader.ownedByMe(parent)) return undefined;
  return {
    p: parent,
    why: plan.endLoop
      ? `ending ${sup!.name} (pid ${parent.pid}), which restarts it (models.stop-restarters)`
      : `ending the ${sup!.name} tray app (pid ${parent.pid}) so it does not restart the server`,
  };
}

/** Stops one server by its plan; sets the outcome to failed when something is left running. */
async function stopOne(
  d: StopDeps,
  t: StopTarget,
  plan: StopPlan,
  outcome: StopOutcome,
  sleep: (ms: number) => Promise<void>,
) {
  const { f } = t;
  const mine = [f.proc, ...f.tree].filter((p) => d.reader.ownedByMe(p));
  const sockets = plan.api ? await ownSockets(d, t) : [];
  if (plan.api && sockets.length === 0) outcome.how.push(noSocketText(f.proc.pid, plan.graceful));
  else if (plan.graceful) {
    try {
      outcome.how.push(...(await gracefulRelease(plan.graceful, sockets, d.env)));
    } catch (err) {
      outcome.how.push(`graceful step failed: ${(err as Error).message}`);
    }
  }
  if (plan.command) {
    const r = await runShell(plan.command, d.env);
    outcome.how.push(`ran: ${plan.command} (exit ${r.code})${r.output ? `: ${r.output}` : ''}`);
    const left = await waitGone(d.reader, mine, d.cfg.graceMs, sleep);
    if (left.length) {
      outcome.result = 'failed';
      outcome.reason = `still running after \`${plan.command}\`: ${left.map((p) => p.pid).join(', ')}`;
    }
    return;
  }
  const parent = await parentToEnd(d, t, plan);
  if (parent) outcome.how.push(parent.why);
  const left = await signalAndWait(d, parent ? [parent.p, ...mine] : mine, outcome.how, sleep);
  if (left.length) {
    outcome.result = 'failed';
    outcome.reason = `still running after SIGKILL: ${left.map((p) => p.pid).join(', ')}`;
  }
}

/** The sockets the server itself listens on, its configured ports first (see orderSockets). */
async function ownSockets(d: StopDeps, { f }: StopTarget): Promise<ListeningSocket[]> {
  const sockets = await d.reader.listeningSockets(f.proc.pid).catch(() => []);
  return orderSockets(sockets, [
    f.cls.matcher?.port,
    f.cls.server === 'ollama' ? portFromOllamaHost(d.env.OLLAMA_HOST) : undefined,
  ]);
}

/** Watches for a same-runtime server that was not there before (a supervisor restarting it). */
async function verifyGone(
  d: StopDeps,
  stopped: { t: StopTarget; outcome: StopOutcome }[],
  before: ReadonlySet<string>,
  verifyMs: number,
  sleep: (ms: number) => Promise<void>,
) {
  await sleep(verifyMs);
  const after = await d.scan();
  const listed = after.found.map((f, i) => ({ f, m: after.models[i]! }));
  for (const { t, outcome } of stopped) {
    const back = respawnsOf(t, listed, before);
    if (back.length) {
      const r = back[0]!;
      const parent = (await d.reader.scan()).find((p) => p.pid === r.f.proc.ppid);
      outcome.result = 'respawned';
      Object.assign(outcome, respawnVerdict(t, r, parent));
    }
    // Came back: nothing was freed (a smaller new process is not memory given back).
    if (!back.length)
      outcome.freed = outcome.held
        ? { rssBytes: outcome.held.rssBytes, gpuMemBytes: outcome.held.gpuMemBytes }
        : freedBy(t.m);
    outcome.how.push(`verified after ${verifyMs / 1000} s: ${back.length ? 'respawned' : 'gone'}`);
  }
}

/** Stops the selected model servers and verifies the result (see file comment). */
export async function stopModelServers(d: StopDeps, req: StopRequest): Promise<StopOutcome[]> {
  const sleep = d.sleep ?? defaultSleep;
  const { found, models } = await d.scan();
  const scanned = found.map((f, i) => ({ f, m: models[i]! }));
  const { targets, refused } = selectTargets(req, scanned);
  const outcomes: StopOutcome[] = [...refused];
  const stopped: { t: StopTarget; outcome: StopOutcome }[] = [];
  // What each server holds just before it is signalled: the evidence of what the stop freed.
  const gpuApps =
    targets.length && !req.dryRun && d.gpuApps
      ? await d.gpuApps().catch(() => new Map<number, number>())
      : null;

  await Promise.all(
    targets.map(async (t) => {
      const outcome: StopOutcome = { pid: t.m.pid, title: t.m.title, result: 'stopped', how: [] };
      outcomes.push(outcome);
      const no = stopRefusal(t, d.reader.ownedByMe(t.f.proc), d.cfg.stopRestarters);
      if (no) {
        Object.assign(outcome, { result: 'refused' }, no);
        return;
      }
      const plan = stopPlan(t, d.cfg.stopRestarters);
      if (req.dryRun) {
        const mine = [t.f.proc, ...t.f.tree].filter((p) => d.reader.ownedByMe(p));
        const sockets = plan.api ? await ownSockets(d, t) : [];
        outcome.result = 'would-stop';
        outcome.how.push(...dryRunHow(plan, t.f.proc.pid, sockets, mine, d.cfg.graceMs));
        return;
      }
      outcome.held = heldBy(t.m, gpuApps ?? new Map());
      await stopOne(d, t, plan, outcome, sleep);
      if (outcome.result === 'stopped') stopped.push({ t, outcome });
    }),
  );

  if (stopped.length) {
    const before = new Set(found.flatMap((f) => [f.proc, ...f.tree].map(stopKey)));
    // Free memory is read as soon as the servers are gone, while the respawn watch waits (it delays nothing).
    const freeNow = d.freeNow?.().catch(() => undefined);
    await verifyGone(d, stopped, before, req.verifyMs ?? d.cfg.verifyMs, sleep);
    const free = await freeNow;
    if (free) for (const { outcome } of stopped) if (outcome.result === 'stopped') outcome.freeAfter = free;
  }
  return outcomes.sort((a, b) => a.pid - b.pid);
}
