/**
 * What a model-server stop decides before and after it signals anything, as pure functions: which servers
 * a request selects, how each may be stopped (or why it is refused), what a dry run says, and whether a
 * server came back after the stop (a respawn) and what that freed. stop.ts carries the plan out.
 */
import type { ModelProcess, StopOutcome, Supervisor } from '../vocabulary';
import type { ListeningSocket } from '../platform/proc-info';
import type { ProcInfo } from '../platform/proc-reader';
import type { GracefulKind } from './catalogue';
import type { FoundServer } from './models';
import { redactedCommandLine } from './redact';
import { mayEndRestarter, RESTARTING, restartedByText } from './supervisor';
import type { StopRequest } from './stop';

/** A server as found by the scan and as shown. */
export interface StopTarget {
  f: FoundServer;
  m: ModelProcess;
}

/** A process's identity across pid reuse. */
export const stopKey = (p: { pid: number; start: number }): string => `${p.pid}:${p.start}`;

/** The servers a request selects, and a refusal for each requested pid that is no model server. */
export function selectTargets(
  req: Pick<StopRequest, 'pids' | 'all' | 'servers' | 'except'>,
  scanned: readonly StopTarget[],
): { targets: StopTarget[]; refused: StopOutcome[] } {
  const refused: StopOutcome[] = [];
  let targets: StopTarget[] = [];
  if (req.pids && req.pids.length) {
    for (const pid of req.pids) {
      const t =
        scanned.find((x) => x.f.proc.pid === pid) ?? scanned.find((x) => x.f.tree.some((c) => c.pid === pid));
      if (t) {
        if (!targets.includes(t)) targets.push(t);
      } else {
        refused.push({
          pid,
          title: `pid ${pid}`,
          result: 'refused',
          how: [],
          reason: 'not a local model server (only catalogue or offload.yml matches are ever signalled)',
        });
      }
    }
  } else if (req.all) {
    targets = [...scanned];
  }
  if (req.servers?.length) targets = targets.filter((t) => req.servers!.includes(t.m.server));
  if (req.except?.length) targets = targets.filter((t) => !req.except!.includes(t.m.server));
  return { targets, refused };
}

/** How one server is stopped: by a command (the matcher's, or its supervisor's), or by signals. */
export interface StopPlan {
  /** The matcher's own `stop:` command, or the systemd/launchd stop command. */
  command?: string;
  /** End the shell loop that restarts it together with it (`models.stop-restarters`). */
  endLoop: boolean;
  supervisor?: Supervisor;
  graceful?: GracefulKind;
  /** The graceful step goes to the runtime's HTTP API (on a socket the server itself listens on). */
  api: boolean;
}

/** Why a server must not be signalled, with the command that would stop it; undefined when it may be. */
export function stopRefusal(
  t: StopTarget,
  ownedByMe: boolean,
  stopRestarters: boolean,
): { reason: string; advice?: string } | undefined {
  const { f, m } = t;
  if (!ownedByMe)
    return { reason: `owned by ${m.user || 'another user'}; Offload only stops your own processes` };
  const sup = m.supervisor;
  if (f.cls.matcher?.stop || !sup) return undefined;
  if (sup.needsPrivileges)
    return {
      reason: `supervised by ${sup.kind} ${sup.name}: killing it would only bring it back`,
      advice: sup.stopCommand,
    };
  if (!mayEndRestarter(sup, stopRestarters) && RESTARTING.has(sup.kind))
    // A kill would only start a kill loop: the user stops what restarts it (named before any stop).
    return {
      reason: `${restartedByText(m.title, m.pid, sup)} (a kill would only bring it back)`,
      advice: `${sup.stopCommand}, or set \`models.stop-restarters: true\` in offload.yml`,
    };
  return undefined;
}

/** The plan for a server that may be stopped (see stopRefusal). */
export function stopPlan(t: StopTarget, stopRestarters: boolean): StopPlan {
  const { f, m } = t;
  const sup = m.supervisor;
  const matcherStop = f.cls.matcher?.stop;
  const viaSupervisor = !matcherStop && sup && (sup.kind === 'systemd' || sup.kind === 'launchd');
  const graceful = f.cls.entry?.graceful;
  return {
    command: matcherStop ?? (viaSupervisor ? sup.stopCommand : undefined),
    endLoop: !matcherStop && mayEndRestarter(sup, stopRestarters),
    supervisor: sup,
    graceful,
    api: !!graceful && graceful !== 'lms',
  };
}

/**
 * The runtime's API is asked only on sockets this very process listens on, proven from the socket table.
 * A default or configured port (catalogue, matcher `port:`, OLLAMA_HOST) is never tried on its own: it may
 * be another user's server. Those ports only say which of the proven sockets go first.
 */
export function orderSockets(
  sockets: readonly ListeningSocket[],
  preferred: readonly (number | undefined)[],
): ListeningSocket[] {
  return [...sockets].sort(
    (a, b) => Number(!preferred.includes(a.port)) - Number(!preferred.includes(b.port)),
  );
}

/** The line said when the API has no socket of the server's own to go to. */
export const noSocketText = (pid: number, graceful: string | undefined): string =>
  `no listening socket of its own (pid ${pid}, socket table): no ${graceful} API call, signals only`;

/** What a dry run says would happen. */
export function dryRunHow(
  plan: StopPlan,
  pid: number,
  sockets: readonly ListeningSocket[],
  signalled: readonly ProcInfo[],
  graceMs: number,
): string[] {
  if (plan.command) return [`run: ${plan.command}`];
  const how: string[] = [];
  if (plan.graceful === 'lms') how.push('graceful: lms unload --all');
  else if (plan.api && sockets.length)
    how.push(
      `graceful: ${plan.graceful} API on its own socket ${sockets.map((x) => `${x.host}:${x.port}`).join(', ')}`,
    );
  else if (plan.api) how.push(noSocketText(pid, plan.graceful));
  const sup = plan.supervisor;
  if (sup?.kind === 'tray-app') how.push(`end the ${sup.name} tray app (${sup.stopCommand})`);
  if (plan.endLoop) how.push(`end what restarts it first: pid ${sup!.pid} (${sup!.name})`);
  how.push(`SIGTERM ${signalled.map((p) => p.pid).join(' ')}; SIGKILL after ${graceMs / 1000} s`);
  return how;
}

/**
 * The same-runtime servers that were not there before the stop and came back in its place: under the same
 * supervising parent (a restart loop), or with the very same command line (systemd, launchd).
 */
export function respawnsOf(
  stopped: StopTarget,
  after: readonly StopTarget[],
  before: ReadonlySet<string>,
): StopTarget[] {
  const s = stopped;
  return after.filter(
    (x) =>
      x.f.cls.server === s.f.cls.server &&
      !before.has(stopKey(x.f.proc)) &&
      ((x.f.proc.ppid === s.f.proc.ppid && x.f.proc.ppid > 1) || x.m.cmdline === s.m.cmdline),
  );
}

/** What a stop freed: all the server held (one that came back freed nothing: no figure is given then). */
export function freedBy(m: ModelProcess): NonNullable<StopOutcome['freed']> {
  return { rssBytes: m.rssBytes, gpuMemBytes: m.gpuMemBytes };
}

/** The outcome's reason and advice for a server that came back as `r` (its parent, where still listed). */
export function respawnVerdict(
  s: StopTarget,
  r: StopTarget,
  parent: Pick<ProcInfo, 'pid' | 'argv'> | undefined,
): { reason: string; advice?: string } {
  return {
    reason: `came back as pid ${r.m.pid} (parent ${r.f.proc.ppid}${parent ? `: ${redactedCommandLine(parent.argv).slice(0, 120)}` : ''}); not killed again`,
    advice:
      s.m.supervisor?.stopCommand ??
      r.m.supervisor?.stopCommand ??
      // A command (the reason names the parent): end the loop and the server it started again.
      (parent ? `kill ${parent.pid} ${r.m.pid}` : undefined),
  };
}
