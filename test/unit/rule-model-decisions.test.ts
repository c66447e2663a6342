// What the rule does with model servers while AWS is ready, as pure functions: stop a newcomer, report a
// restarted one once per restarter and never kill it again; the stop notice titled by what happened.
import { describe, expect, it } from 'vitest';
import {
  decideModels,
  restarterOf,
  stopNotice,
  type Episode,
  type StoppedServer,
} from '../../main/core/rule/model-decisions';
import { restartingParent } from '../../main/core/machine/supervisor';
import type { ModelProcess, StopOutcome } from '../../main/core/vocabulary';

const NOW = 1_000_000;
const model = (pid: number, ppid: number, extra: Partial<ModelProcess> = {}): ModelProcess => ({
  pid,
  ppid,
  server: 'ollama',
  title: 'Ollama',
  exe: '/usr/bin/ollama',
  cmdline: '/usr/bin/ollama serve',
  cpuPct: 0,
  rssBytes: 1,
  ports: [],
  children: [],
  user: 'me',
  ...extra,
});
const stoppedAt = (pid: number, ppid: number, at = NOW - 3000, respawned = true): StoppedServer => ({
  pid,
  ppid,
  server: 'ollama',
  cmdline: '/usr/bin/ollama serve',
  at,
  respawned,
});
const ep = (e: Partial<Episode> = {}): Episode => ({ seen: new Set(), stopped: [], told: new Set(), ...e });
const loop = {
  kind: 'shell-loop' as const,
  name: 'bash loop',
  pid: 700,
  stopCommand: 'kill 700',
  needsPrivileges: false,
};

describe('decideModels', () => {
  it('a newcomer with no restarter is stopped', () => {
    expect(decideModels([model(10, 500)], ep(), NOW)).toEqual({
      stop: [model(10, 500)],
      report: [],
      quiet: [],
    });
  });

  it('a server under a known restarting supervisor is reported before any stop, once', () => {
    const d = decideModels([model(10, 700, { supervisor: loop })], ep(), NOW);
    expect(d.stop).toEqual([]);
    expect(d.report.map((r) => r.text)).toEqual([
      'Ollama (pid 10) is restarted by pid 700 (bash loop): stop that, or let Offload stop it with `models.stop-restarters: true` in offload.yml',
    ]);
    // The next respawn of the same loop in the same episode: remembered, not reported, not stopped.
    const again = decideModels(
      [model(11, 700, { supervisor: loop })],
      ep({ seen: new Set([10]), told: new Set([d.report[0]!.key]) }),
      NOW,
    );
    expect(again).toEqual({ stop: [], report: [], quiet: [11] });
  });

  it('with `models.stop-restarters` a shell loop is stopped with its server, not reported', () => {
    const d = decideModels([model(10, 700, { supervisor: loop })], ep({ stopRestarters: true }), NOW);
    expect(d).toMatchObject({ stop: [{ pid: 10 }], report: [] });
  });

  it('the same server back under the same parent soon after a stop is a respawn: reported, never stopped again', () => {
    const d = decideModels([model(11, 600)], ep({ seen: new Set([10]), stopped: [stoppedAt(10, 600)] }), NOW);
    expect(d.stop).toEqual([]);
    expect(d.report[0]!.text).toBe(
      'Ollama (pid 11) is restarted by pid 600: stop that, or let Offload stop it with `models.stop-restarters: true` in offload.yml',
    );
    // Seventeen respawns in one episode make one report.
    const told = new Set([d.report[0]!.key]);
    for (let pid = 12; pid < 29; pid++) {
      const n = decideModels([model(pid, 600)], ep({ stopped: [stoppedAt(10, 600)], told }), NOW);
      expect(n.report).toEqual([]);
      expect(n.stop).toEqual([]);
    }
  });

  it('another parent, init as parent, or a stop long ago: a newcomer, stopped', () => {
    const stopped = [stoppedAt(10, 600)];
    expect(decideModels([model(11, 601)], ep({ stopped }), NOW).stop).toHaveLength(1);
    expect(decideModels([model(11, 1)], ep({ stopped: [stoppedAt(10, 1)] }), NOW).stop).toHaveLength(1);
    expect(restarterOf(model(11, 600), [stoppedAt(10, 600, NOW - 120_000)], NOW)).toBeUndefined();
  });

  it('started again by hand under the same shell: stopped again once, the second return is a restarter', () => {
    const once = [stoppedAt(10, 600, NOW - 3000, false)];
    expect(decideModels([model(11, 600)], ep({ stopped: once }), NOW).stop).toHaveLength(1);
    const twice = [...once, stoppedAt(11, 600, NOW - 1000, false)];
    expect(decideModels([model(12, 600)], ep({ stopped: twice }), NOW).report).toHaveLength(1);
  });

  it('seen pids are left alone', () => {
    expect(decideModels([model(10, 500)], ep({ seen: new Set([10]) }), NOW)).toEqual({
      stop: [],
      report: [],
      quiet: [],
    });
  });
});

describe('restartingParent', () => {
  const p = (argv: string[], comm = argv[0]!) => ({ pid: 700, argv, comm });
  it('knows a shell loop, pm2, supervisord, runit, s6 and container shims by the parent', () => {
    expect(restartingParent(p(['bash', '-c', 'while true; do ollama serve; sleep 1; done']))).toMatchObject({
      kind: 'shell-loop',
      name: 'bash loop',
      pid: 700,
    });
    expect(restartingParent(p(['/bin/sh', '-c', 'until ollama serve; do sleep 1; done']))?.kind).toBe(
      'shell-loop',
    );
    expect(restartingParent(p(['PM2 v5.3.0: God Daemon (/home/u/.pm2)'], 'PM2 v5.3.0: God'))?.kind).toBe(
      'pm2',
    );
    expect(restartingParent(p(['/usr/bin/python3', '/usr/bin/supervisord', '-n']))?.kind).toBe('supervisord');
    expect(restartingParent(p(['runsv', 'ollama']))).toMatchObject({
      kind: 'runit',
      stopCommand: 'sv down ollama',
    });
    expect(restartingParent(p(['s6-supervise', 'ollama']))?.kind).toBe('s6');
    expect(restartingParent(p(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby']))?.kind).toBe(
      'container',
    );
  });
  it('an interactive shell, a shell running one command, or node is no supervisor', () => {
    expect(restartingParent(p(['-bash']))).toBeUndefined();
    expect(restartingParent(p(['bash', '-c', 'ollama serve']))).toBeUndefined();
    expect(restartingParent(p(['node', 'server.js']))).toBeUndefined();
  });
});

describe('stopNotice', () => {
  const o = (pid: number, result: StopOutcome['result'], reason?: string): StopOutcome => ({
    pid,
    title: 'Ollama',
    result,
    how: [],
    ...(reason ? { reason } : {}),
  });
  it('nothing stopped is never titled "stopped again"', () => {
    const n = stopNotice(
      [o(10, 'refused', 'owned by nobody; Offload only stops your own processes')],
      'restarted-while-aws-ready',
    )!;
    expect(n.title).toBe('Local model server left running');
    expect(n.title).not.toMatch(/stopped/);
    expect(n.body).toContain('owned by nobody');
    expect(stopNotice([o(10, 'refused')], 'gate-opened')!.title).toBe(
      'AWS is ready: local model servers left running',
    );
  });
  it('a real stop is titled as one; no outcomes, no notice', () => {
    expect(stopNotice([o(10, 'stopped')], 'restarted-while-aws-ready')).toMatchObject({
      level: 'info',
      title: 'Local model server stopped again',
      body: 'stopped Ollama',
    });
    expect(stopNotice([], 'gate-opened')).toBeNull();
  });
});
