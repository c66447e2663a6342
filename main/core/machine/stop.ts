/**
 * Stopping local model servers: graceful first (the runtime's API), then the process tree is terminated,
 * given a grace period, and what remains is killed; then the stop is verified (processes gone, resources
 * freed, no respawn). Only processes that are model servers and owned by the current user are signalled;
 * supervised servers are stopped through their supervisor or refused with the exact command to run.
 */
import { spawn } from 'node:child_process';
import type { ModelProcess, StopOutcome } from '../vocabulary';
import type { ProcessReader, ProcInfo } from '../platform/proc-reader';
import { signalTree } from '../platform/proc-signal';
import type { ModelsConfig } from './config';
import { gracefulRelease, portFromOllamaHost } from './graceful';
import type { FoundServer } from './models';
import { redactedCommandLine } from './redact';
import { mayEndRestarter, RESTARTING, restartedByText } from './supervisor';

/** What the stop needs from the watch. */
export interface StopDeps {
  reader: ProcessReader;
  cfg: ModelsConfig;
  env: NodeJS.ProcessEnv;
  scan(): Promise<{ found: FoundServer[]; models: ModelProcess[] }>;
  sleep?: (ms: number) => Promise<void>;
  platform?: NodeJS.Platform;
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
const key = (p: { pid: number; start: number }) => `${p.pid}:${p.start}`;

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

/** Stops the selected model servers and verifies the result (see file comment). */
export async function stopModelServers(d: StopDeps, req: StopRequest): Promise<StopOutcome[]> {
  const sleep = d.sleep ?? defaultSleep;
  const platform = d.platform ?? process.platform;
  const { found, models } = await d.scan();
  const byRoot = new Map(found.map((f, i) => [f.proc.pid, { f, m: models[i]! }]));
  const outcomes: StopOutcome[] = [];
  let targets: { f: FoundServer; m: ModelProcess }[] = [];

  if (req.pids && req.pids.length) {
    for (const pid of req.pids) {
      const t = byRoot.get(pid) ?? [...byRoot.values()].find((x) => x.f.tree.some((c) => c.pid === pid));
      if (t) {
        if (!targets.includes(t)) targets.push(t);
      } else {
        outcomes.push({
          pid,
          title: `pid ${pid}`,
          result: 'refused',
          how: [],
          reason: 'not a local model server (only catalogue or offload.yml matches are ever signalled)',
        });
      }
    }
  } else if (req.all) {
    targets = [...byRoot.values()];
  }
  if (req.servers?.length) targets = targets.filter((t) => req.servers!.includes(t.m.server));
  if (req.except?.length) targets = targets.filter((t) => !req.except!.includes(t.m.server));

  const stopped: { f: FoundServer; m: ModelProcess; outcome: StopOutcome; advice?: string }[] = [];

  await Promise.all(
    targets.map(async ({ f, m }) => {
      const outcome: StopOutcome = { pid: m.pid, title: m.title, result: 'stopped', how: [] };
      outcomes.push(outcome);
      if (!d.reader.ownedByMe(f.proc)) {
        outcome.result = 'refused';
        outcome.reason = `owned by ${m.user || 'another user'}; Offload only stops your own processes`;
        return;
      }
      const sup = m.supervisor;
      const matcherStop = f.cls.matcher?.stop;
      const mine = [f.proc, ...f.tree].filter((p) => d.reader.ownedByMe(p));

      if (!matcherStop && sup && sup.needsPrivileges) {
        outcome.result = 'refused';
        outcome.reason = `supervised by ${sup.kind} ${sup.name}: killing it would only bring it back`;
        outcome.advice = sup.stopCommand;
        return;
      }
      const endLoop = !matcherStop && mayEndRestarter(sup, d.cfg.stopRestarters);
      if (!matcherStop && !endLoop && sup && RESTARTING.has(sup.kind)) {
        // A kill would only start a kill loop: the user stops what restarts it (named before any stop).
        outcome.result = 'refused';
        outcome.reason = `${restartedByText(m.title, m.pid, sup)} (a kill would only bring it back)`;
        outcome.advice = `${sup.stopCommand}, or set \`models.stop-restarters: true\` in offload.yml`;
        return;
      }
      const viaSupervisor = !matcherStop && sup && (sup.kind === 'systemd' || sup.kind === 'launchd');
      // The runtime's API is asked only on sockets this very process listens on, proven from the socket
      // table now. A default or configured port (catalogue, matcher `port:`, OLLAMA_HOST) is never tried on
      // its own: it may be another user's server. Those ports only say which of the proven sockets go first.
      const graceful = f.cls.entry?.graceful;
      const api = graceful && graceful !== 'lms';
      let sockets = api ? await d.reader.listeningSockets(f.proc.pid).catch(() => []) : [];
      const preferred = [
        f.cls.matcher?.port,
        f.cls.server === 'ollama' ? portFromOllamaHost(d.env.OLLAMA_HOST) : undefined,
      ];
      sockets = [...sockets].sort(
        (a, b) => Number(!preferred.includes(a.port)) - Number(!preferred.includes(b.port)),
      );
      const noSocket = `no listening socket of its own (pid ${f.proc.pid}, socket table): no ${graceful} API call, signals only`;

      if (req.dryRun) {
        outcome.result = 'would-stop';
        if (matcherStop) outcome.how.push(`run: ${matcherStop}`);
        else if (viaSupervisor) outcome.how.push(`run: ${sup!.stopCommand}`);
        else {
          if (graceful === 'lms') outcome.how.push('graceful: lms unload --all');
          else if (api && sockets.length)
            outcome.how.push(
              `graceful: ${graceful} API on its own socket ${sockets.map((x) => `${x.host}:${x.port}`).join(', ')}`,
            );
          else if (api) outcome.how.push(noSocket);
          if (sup?.kind === 'tray-app') outcome.how.push(`end the ${sup.name} tray app (${sup.stopCommand})`);
          if (endLoop) outcome.how.push(`end what restarts it first: pid ${sup!.pid} (${sup!.name})`);
          outcome.how.push(
            `SIGTERM ${mine.map((p) => p.pid).join(' ')}; SIGKILL after ${d.cfg.graceMs / 1000} s`,
          );
        }
        return;
      }

      if (api && sockets.length === 0) outcome.how.push(noSocket);
      else if (graceful) {
        try {
          outcome.how.push(...(await gracefulRelease(graceful, sockets, d.env)));
        } catch (err) {
          outcome.how.push(`graceful step failed: ${(err as Error).message}`);
        }
      }

      if (matcherStop || viaSupervisor) {
        const cmd = matcherStop ?? sup!.stopCommand;
        const r = await runShell(cmd, d.env);
        outcome.how.push(`ran: ${cmd} (exit ${r.code})${r.output ? `: ${r.output}` : ''}`);
        const left = await waitGone(d.reader, mine, d.cfg.graceMs, sleep);
        if (left.length) {
          outcome.result = 'failed';
          outcome.reason = `still running after \`${cmd}\`: ${left.map((p) => p.pid).join(', ')}`;
          return;
        }
      } else {
        const kill: ProcInfo[] = [...mine];
        if (endLoop) {
          const loop = (await d.reader.scan()).find((p) => p.pid === sup!.pid && p.pid === f.proc.ppid);
          if (loop && d.reader.ownedByMe(loop)) {
            kill.unshift(loop);
            outcome.how.push(
              `ending ${sup!.name} (pid ${loop.pid}), which restarts it (models.stop-restarters)`,
            );
          }
        } else if (sup?.kind === 'tray-app') {
          const parent = (await d.reader.scan()).find((p) => p.pid === f.proc.ppid);
          if (parent && d.reader.ownedByMe(parent)) {
            kill.unshift(parent);
            outcome.how.push(
              `ending the ${sup.name} tray app (pid ${parent.pid}) so it does not restart the server`,
            );
          }
        }
        outcome.how.push(
          ...(await signalTree(
            kill.map((p) => p.pid),
            false,
            platform,
          )),
        );
        let left = await waitGone(d.reader, kill, d.cfg.graceMs, sleep);
        if (left.length) {
          outcome.how.push(
            `still running after ${d.cfg.graceMs / 1000} s grace: ${left.map((p) => p.pid).join(', ')}`,
            ...(await signalTree(
              left.map((p) => p.pid),
              true,
              platform,
            )),
          );
          left = await waitGone(d.reader, left, 3000, sleep);
        }
        if (left.length) {
          outcome.result = 'failed';
          outcome.reason = `still running after SIGKILL: ${left.map((p) => p.pid).join(', ')}`;
          return;
        }
      }
      stopped.push({ f, m, outcome });
    }),
  );

  if (stopped.length) {
    // Verify: watch for a same-runtime server that was not there before (a supervisor restarting it).
    const before = new Set(found.flatMap((f) => [f.proc, ...f.tree].map(key)));
    await sleep(req.verifyMs ?? d.cfg.verifyMs);
    const after = await d.scan();
    for (const s of stopped) {
      const back = after.found
        .map((f, i) => ({ f, m: after.models[i]! }))
        .filter(
          (x) =>
            x.f.cls.server === s.f.cls.server &&
            !before.has(key(x.f.proc)) &&
            // Same supervisor parent (a restart loop), or the very same command line (systemd, launchd).
            ((x.f.proc.ppid === s.f.proc.ppid && x.f.proc.ppid > 1) || x.m.cmdline === s.m.cmdline),
        );
      const freedGpu = s.m.gpuMemBytes;
      if (back.length) {
        const r = back[0]!;
        const parent = (await d.reader.scan()).find((p) => p.pid === r.f.proc.ppid);
        s.outcome.result = 'respawned';
        s.outcome.reason = `came back as pid ${r.m.pid} (parent ${r.f.proc.ppid}${parent ? `: ${redactedCommandLine(parent.argv).slice(0, 120)}` : ''}); not killed again`;
        s.outcome.advice =
          s.m.supervisor?.stopCommand ??
          r.m.supervisor?.stopCommand ??
          // A command (the reason names the parent): end the loop and the server it started again.
          (parent ? `kill ${parent.pid} ${r.m.pid}` : undefined);
        // Came back: nothing was freed (a smaller new process is not memory given back).
      } else {
        s.outcome.freed = { rssBytes: s.m.rssBytes, gpuMemBytes: freedGpu };
      }
      s.outcome.how.push(
        `verified after ${(req.verifyMs ?? d.cfg.verifyMs) / 1000} s: ${back.length ? 'respawned' : 'gone'}`,
      );
    }
  }
  return outcomes.sort((a, b) => a.pid - b.pid);
}
