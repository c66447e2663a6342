/**
 * Recognises what keeps a model server alive — a systemd unit (Restart=always restarts a killed Ollama
 * within seconds), a launchd job, a Windows service, the runtime's tray app, or the test supervisor —
 * so Offload stops the thing that sticks, or says the exact command when that needs privileges.
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
