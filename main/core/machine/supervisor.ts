/**
 * Recognises what keeps a model server alive — a systemd unit (Restart=always restarts a killed Ollama
 * within seconds), a launchd job, a Windows service, the runtime's tray app, a parent that restarts it (a
 * shell loop, pm2, supervisord, runit, s6, a container shim) or the test supervisor — so Offload stops the
 * thing that sticks, or names it before any stop instead of starting a kill loop.
 */
import type { Supervisor } from '../vocabulary';
import type { ProcInfo, SupervisorHints } from '../platform/proc-reader';
import { commandView } from './catalogue';

/** A unit is named as the process's own cgroup leaf (`…/ollama.service`). Exported for tests. */
export function systemdUnitFromCgroup(cgroup: string): { unit: string; user: boolean } | null {
  for (const line of cgroup.split('\n')) {
    const m = /^\d+:[^:]*:(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const parts = m[1]!.split('/').filter(Boolean);
    const leaf = parts[parts.length - 1];
    if (!leaf || !leaf.endsWith('.service') || /^user@\d+\.service$/.test(leaf)) continue;
    return { unit: leaf, user: parts.some((p) => /^user@\d+\.service$/.test(p)) };
  }
  return null;
}

const TRAY_APPS = new Set(['ollama app', 'ollama']);
const SHELLS = /^-?(sh|bash|dash|zsh|ksh|mksh|ash|busybox)$/;
/** A loop in inline shell code (`while true; do ollama serve; sleep 1; done`). */
const LOOP = /\b(while|until|for)\b[\s\S]*\bdo\b/;

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1).toLowerCase();

/**
 * A parent that restarts what it runs, known by its executable: a shell running a loop, pm2, supervisord,
 * runit, s6, a container shim. Exported for tests.
 */
export function restartingParent(parent: Pick<ProcInfo, 'pid' | 'argv' | 'comm'>): Supervisor | undefined {
  const argv = parent.argv;
  const a0 = base(argv[0] ?? parent.comm);
  const line = argv.join(' ');
  const pid = parent.pid;
  const own = { pid, needsPrivileges: false };
  if (SHELLS.test(a0)) {
    const i = argv.indexOf('-c');
    const code = i >= 0 ? (argv[i + 1] ?? '') : '';
    return LOOP.test(code)
      ? { kind: 'shell-loop', name: `${a0.replace(/^-/, '')} loop`, stopCommand: `kill ${pid}`, ...own }
      : undefined;
  }
  if (a0 === 'pm2' || /^PM2 v[\d.]+: God Daemon/.test(line) || /^PM2 v/.test(parent.comm))
    return { kind: 'pm2', name: 'pm2', stopCommand: 'pm2 stop <name> (see `pm2 list`)', ...own };
  const view = commandView(argv).base;
  if (view === 'supervisord' || parent.comm === 'supervisord')
    return {
      kind: 'supervisord',
      name: 'supervisord',
      stopCommand: 'supervisorctl stop <name> (see `supervisorctl status`)',
      ...own,
    };
  if (a0 === 'runsv')
    return {
      kind: 'runit',
      name: `runsv ${argv[1] ?? ''}`.trim(),
      stopCommand: `sv down ${argv[1] ?? '<service>'}`,
      ...own,
    };
  if (a0 === 's6-supervise')
    return {
      kind: 's6',
      name: `s6-supervise ${argv[1] ?? ''}`.trim(),
      stopCommand: `s6-svc -d ${argv[1] ?? '<service dir>'}`,
      ...own,
    };
  if (/^(docker-)?containerd-shim/.test(a0) || a0 === 'conmon')
    return { kind: 'container', name: a0, stopCommand: 'docker stop <container> (see `docker ps`)', ...own };
  return undefined;
}

/** Detects the supervisor of `p` from its hints and parent. Returns undefined for an unsupervised process. */
export function detectSupervisor(
  p: ProcInfo,
  hints: SupervisorHints,
  parent: ProcInfo | undefined,
  parentHints: SupervisorHints | undefined,
  platform: NodeJS.Platform,
): Supervisor | undefined {
  const parentIsInit = p.ppid === 1 || (parent !== undefined && parent.comm === 'systemd');
  if (hints.cgroup && parentIsInit) {
    const u = systemdUnitFromCgroup(hints.cgroup);
    if (u) {
      return u.user
        ? {
            kind: 'systemd',
            name: u.unit,
            stopCommand: `systemctl --user stop ${u.unit}`,
            needsPrivileges: false,
          }
        : {
            kind: 'systemd',
            name: u.unit,
            stopCommand: `sudo systemctl stop ${u.unit}`,
            needsPrivileges: true,
          };
    }
  }
  if (hints.env?.WINDOWS_SERVICE) {
    const n = hints.env.WINDOWS_SERVICE;
    return {
      kind: 'windows-service',
      name: n,
      stopCommand: `Stop-Service -Name '${n}'`,
      needsPrivileges: true,
    };
  }
  if (platform === 'darwin' && p.ppid === 1) {
    const brew = /\/(Cellar|homebrew)\//i.test(p.argv[0] ?? '');
    const name = commandView(p.argv).base;
    return brew
      ? { kind: 'launchd', name, stopCommand: `brew services stop ${name}`, needsPrivileges: false }
      : {
          kind: 'launchd',
          name,
          stopCommand: `launchctl bootout gui/${p.uid ?? '$UID'}/<label of ${name}> (see \`launchctl list | grep -i ${name}\`)`,
          needsPrivileges: true,
        };
  }
  if (parent) {
    const pb = commandView(parent.argv).base;
    if (TRAY_APPS.has(pb) && !(pb === 'ollama' && parent.argv.length > 1 && platform === 'linux')) {
      const stop =
        platform === 'darwin'
          ? `osascript -e 'quit app "Ollama"'`
          : platform === 'win32'
            ? `taskkill /IM "ollama app.exe"`
            : `kill ${parent.pid}`;
      return { kind: 'tray-app', name: 'Ollama', stopCommand: stop, needsPrivileges: false };
    }
    const restarting = restartingParent(parent);
    if (restarting) return restarting;
    const testName = parentHints?.env?.OFFLOAD_TEST_SUPERVISOR;
    if (testName) {
      return {
        kind: 'offload-test-supervisor',
        name: testName,
        stopCommand: `kill ${parent.pid}`,
        needsPrivileges: false,
      };
    }
  }
  return undefined;
}

/** Supervisors that restart what they run when it is killed (a kill only starts a loop). */
export const RESTARTING: ReadonlySet<Supervisor['kind']> = new Set([
  'shell-loop',
  'pm2',
  'supervisord',
  'runit',
  's6',
  'container',
] as const);

/** "Ollama (pid 12) is restarted by pid 7 (bash loop): stop that, or let Offload (`models.stop-restarters: true`)" — the one report. */
export function restartedByText(title: string, pid: number, by: { pid?: number; name?: string }): string {
  const who =
    by.pid !== undefined ? `pid ${by.pid}${by.name ? ` (${by.name})` : ''}` : (by.name ?? 'its parent');
  return `${title} (pid ${pid}) is restarted by ${who}: stop that, or let Offload stop it with \`models.stop-restarters: true\` in offload.yml`;
}

/** Whether Offload may end this restarter itself (`models.stop-restarters`; only a loop it can signal). */
export const mayEndRestarter = (sup: Supervisor | undefined, allowed: boolean): boolean =>
  allowed && sup?.kind === 'shell-loop' && sup.pid !== undefined;
