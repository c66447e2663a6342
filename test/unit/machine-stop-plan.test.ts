import { describe, expect, it } from 'vitest';
import type { ModelProcess, Supervisor } from '../../main/core/vocabulary';
import type { ProcInfo } from '../../main/core/platform/proc-reader';
import type { CatalogueEntry } from '../../main/core/machine/catalogue';
import {
  dryRunHow,
  freedBy,
  orderSockets,
  respawnsOf,
  respawnVerdict,
  selectTargets,
  stopKey,
  stopPlan,
  stopRefusal,
  type StopTarget,
} from '../../main/core/machine/stop-plan';

const proc = (pid: number, ppid = 1, start = pid * 10): ProcInfo => ({
  pid,
  ppid,
  start,
  comm: 'x',
  argv: ['x'],
  uid: 1000,
  user: 'me',
  cpuMs: 0,
  rssBytes: 0,
});
const ollamaEntry = {
  id: 'ollama',
  title: 'Ollama',
  graceful: 'ollama',
  match: () => 'server',
} as CatalogueEntry;

function target(
  pid: number,
  o: {
    server?: string;
    ppid?: number;
    sup?: Supervisor;
    stop?: string;
    rss?: number;
    gpu?: number;
    tree?: number[];
  } = {},
): StopTarget {
  const server = o.server ?? 'ollama';
  const m: ModelProcess = {
    pid,
    ppid: o.ppid ?? 1,
    server,
    title: server === 'ollama' ? 'Ollama' : server,
    exe: '/usr/bin/x',
    cmdline: `${server} serve`,
    cpuPct: 0,
    rssBytes: o.rss ?? 100,
    ports: [],
    gpuMemBytes: o.gpu,
    supervisor: o.sup,
    children: o.tree ?? [],
    user: 'me',
  };
  return {
    f: {
      proc: proc(pid, o.ppid ?? 1),
      cls: {
        server,
        title: m.title,
        role: 'server',
        entry: server === 'ollama' ? ollamaEntry : undefined,
        matcher: o.stop ? { name: server, stop: o.stop } : undefined,
      },
      tree: (o.tree ?? []).map((c) => proc(c, pid)),
    },
    m,
  };
}

const loop: Supervisor = {
  kind: 'shell-loop',
  name: 'bash',
  pid: 50,
  stopCommand: 'kill 50',
  needsPrivileges: false,
};
const systemd: Supervisor = {
  kind: 'systemd',
  name: 'ollama.service',
  stopCommand: 'systemctl --user stop ollama',
  needsPrivileges: false,
};

describe('model-server stop decisions', () => {
  it('selects by pid (a child pid selects its server once), by all, and filters by server', () => {
    const a = target(10, { tree: [11] });
    const b = target(20, { server: 'vllm' });
    const sel = selectTargets({ pids: [11, 10, 99] }, [a, b]);
    expect(sel.targets).toEqual([a]);
    expect(sel.refused).toMatchObject([
      { pid: 99, result: 'refused', reason: expect.stringMatching(/^not a local model server/) },
    ]);
    expect(selectTargets({ all: true, except: ['ollama'] }, [a, b]).targets).toEqual([b]);
    expect(selectTargets({ all: true, servers: ['ollama'] }, [a, b]).targets).toEqual([a]);
    expect(selectTargets({}, [a, b]).targets).toEqual([]);
  });

  it('refuses another user’s server, a privileged supervisor, and a restart loop unless stop-restarters', () => {
    expect(stopRefusal(target(10), false, false)?.reason).toBe(
      'owned by me; Offload only stops your own processes',
    );
    const priv = { ...systemd, needsPrivileges: true, stopCommand: 'sudo systemctl stop ollama' };
    expect(stopRefusal(target(10, { sup: priv }), true, false)).toEqual({
      reason: 'supervised by systemd ollama.service: killing it would only bring it back',
      advice: 'sudo systemctl stop ollama',
    });
    expect(stopRefusal(target(10, { sup: loop }), true, false)?.advice).toBe(
      'kill 50, or set `models.stop-restarters: true` in offload.yml',
    );
    expect(stopRefusal(target(10, { sup: loop }), true, true)).toBeUndefined();
    // A matcher with its own stop command is always trusted to stop it.
    expect(stopRefusal(target(10, { sup: priv, stop: 'my-stop' }), true, false)).toBeUndefined();
  });

  it('plans a command (matcher, systemd) or signals, with the graceful API where the runtime has one', () => {
    expect(stopPlan(target(10, { stop: 'my-stop' }), false)).toMatchObject({
      command: 'my-stop',
      endLoop: false,
      api: true,
    });
    expect(stopPlan(target(10, { sup: systemd }), false).command).toBe('systemctl --user stop ollama');
    expect(stopPlan(target(10, { sup: loop }), true)).toMatchObject({ command: undefined, endLoop: true });
    expect(stopPlan(target(10, { server: 'vllm' }), false)).toMatchObject({
      api: false,
      graceful: undefined,
    });
  });

  it('tries the configured port first among the sockets the server itself holds', () => {
    const socks = [
      { host: '127.0.0.1', port: 9000 },
      { host: '127.0.0.1', port: 11434 },
    ];
    expect(orderSockets(socks, [undefined, 11434]).map((s) => s.port)).toEqual([11434, 9000]);
  });

  it('says in a dry run what would happen', () => {
    const t = target(10, { sup: loop, tree: [11] });
    expect(dryRunHow(stopPlan(t, true), 10, [], [t.f.proc, ...t.f.tree], 1500)).toEqual([
      'no listening socket of its own (pid 10, socket table): no ollama API call, signals only',
      'end what restarts it first: pid 50 (bash)',
      'SIGTERM 10 11; SIGKILL after 1.5 s',
    ]);
    expect(dryRunHow(stopPlan(target(10, { stop: 'my-stop' }), false), 10, [], [], 1000)).toEqual([
      'run: my-stop',
    ]);
    expect(dryRunHow(stopPlan(target(10), false), 10, [{ host: '::1', port: 1 }], [], 1000)[0]).toBe(
      'graceful: ollama API on its own socket ::1:1',
    );
  });

  it('counts as a respawn a new same-runtime server under the same parent or with the same command line', () => {
    const stopped = target(10, { ppid: 50, rss: 300, gpu: 1000 });
    const before = new Set([stopKey(stopped.f.proc)]);
    const sameParent = target(12, { ppid: 50, rss: 100, gpu: 400 });
    const other = target(13, { server: 'vllm', ppid: 50 });
    const init = { ...target(14, { ppid: 1 }), m: { ...target(14).m, cmdline: 'different' } };
    expect(respawnsOf(stopped, [stopped, sameParent, other, init], before)).toEqual([sameParent]);
    expect(freedBy(stopped.m)).toEqual({ rssBytes: 300, gpuMemBytes: 1000 });
    expect(freedBy(target(10).m)).toEqual({ rssBytes: 100, gpuMemBytes: undefined });
    expect(respawnVerdict(stopped, sameParent, { pid: 50, argv: ['bash', '-c', 'loop'] })).toEqual({
      reason: 'came back as pid 12 (parent 50: bash -c loop); not killed again',
      advice: 'kill 50 12',
    });
    expect(respawnVerdict(target(10, { sup: systemd }), sameParent, undefined)).toEqual({
      reason: 'came back as pid 12 (parent 50); not killed again',
      advice: 'systemctl --user stop ollama',
    });
  });
});
