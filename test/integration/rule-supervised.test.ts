/**
 * A model server that something restarts, under `policy: auto`, with real processes: a `while true; do
 * ollama serve; sleep 1; done` shell loop is recognised before any stop (the dry run and the listing name
 * it) and reported once; a loop Offload cannot see up front (a script file) is stopped once, its respawn
 * reported once and never killed again; another user's server is reported once as left running, not as
 * "stopped again"; a gate reopening with nothing to do runs no `shutdown` and records the skip once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import { Notifier } from '../../main/core/notify/notifier';
import { RuleEnforcer } from '../../main/core/rule/enforcer';
import type { Notice, StopOutcome } from '../../main/core/state';
import { alive, childrenOf, escapeRegex, fixtureSandbox, waitFor } from './machine-helpers';

const linux = process.platform === 'linux';

describe.runIf(linux)('a restarted model server under policy auto', () => {
  const box = fixtureSandbox('offload-rule-sup-');
  const machine = createMachineWatch({
    models: parseModelsConfig({
      exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
      grace: '1500ms',
      verify: '1500ms',
    }),
    watch: parseWatchConfig({ gpu: false }),
  });
  const ollama = path.join(box.bin, 'ollama');
  let notices: Notice[] = [];
  let journal: { kind: string; data: Record<string, unknown> }[] = [];
  let shutdowns = 0;
  const enforcer = () => {
    notices = [];
    journal = [];
    shutdowns = 0;
    const notifier = new Notifier();
    notifier.subscribe((n) => notices.push(n));
    return new RuleEnforcer({
      policy: 'auto',
      models: machine,
      notifier,
      journal: {
        appendProjectEvent: (kind: string, data: unknown) =>
          journal.push({ kind, data: data as Record<string, unknown> }),
      },
      runVerify: async () => {
        shutdowns++;
        return { status: 'passed' };
      },
    });
  };
  const actions = (a: string) => journal.filter((j) => j.kind === 'rule-action' && j.data.action === a);
  /** The watch's scans for `ms`, each followed by the rule's look at the list (what `offload watch` does). */
  const scans = async (rule: RuleEnforcer, ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until;) {
      await machine.refreshModels();
      await rule.modelsChanged();
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  const serverUnder = (ppid: number) =>
    waitFor(async () => (await machine.refreshModels()).find((m) => m.ppid === ppid));
  /**
   * The server under `ppid` once it has stayed up for a second: on a loaded machine the loop's first server
   * may fail (its port still held by the last test's) and come back, which the rule rightly reads as a respawn.
   */
  const settledServerUnder = async (ppid: number) => {
    for (;;) {
      const m = await serverUnder(ppid);
      await new Promise((r) => setTimeout(r, 1000));
      if ((await machine.refreshModels()).some((x) => x.pid === m.pid)) return m;
    }
  };
  const env = { ...process.env, FIXTURE_MODELS: '' };

  /** Ends a loop and what it runs (the loop first, so it starts nothing more). */
  const endLoop = async (pid: number) => {
    // The whole tree: a fixture Ollama has a runner child, which must not outlive the test as an orphan.
    const kids: number[] = [];
    for (let next = [pid]; next.length;) {
      next = next.flatMap((p) => childrenOf(p));
      kids.push(...next);
    }
    process.kill(pid, 'SIGKILL');
    for (const k of kids) {
      try {
        process.kill(k, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitFor(() => !alive(pid) && kids.every((k) => !alive(k)));
  };

  afterAll(async () => {
    machine.stop();
    await box.cleanup();
  });

  it('a shell loop is named before the stop and reported once; the server is never killed', async () => {
    const loop = await box.start('/bin/bash', ['-c', `while true; do ${ollama} serve; sleep 1; done`], {
      waitReady: false,
      env,
    });
    const m = await serverUnder(loop.pid);
    expect(m.supervisor).toMatchObject({ kind: 'shell-loop', pid: loop.pid, name: 'bash loop' });
    const dry = await machine.stopModelServers({ all: true, dryRun: true });
    expect(dry).toMatchObject([{ pid: m.pid, result: 'refused' }]);
    expect(dry[0]!.reason).toContain(`Ollama (pid ${m.pid}) is restarted by pid ${loop.pid} (bash loop)`);

    const rule = enforcer();
    await rule.gateOpened({});
    await scans(rule, 3000);
    expect(alive(m.pid)).toBe(true);
    expect(actions('stop-local-models')).toEqual([]);
    expect(actions('model-restarted')).toHaveLength(1);
    expect(notices.map((n) => n.body)).toEqual([
      `Ollama (pid ${m.pid}) is restarted by pid ${loop.pid} (bash loop): stop that, or let Offload stop it with \`models.stop-restarters: true\` in offload.yml`,
    ]);
    await endLoop(loop.pid);
  }, 20_000);

  it('a loop seen only by the respawn: one stop, one report, no kill loop', async () => {
    const script = path.join(box.dir, 'keep-ollama.sh');
    fs.writeFileSync(script, `while true; do "$1" serve; sleep 0.3; done\n`);
    const loop = await box.start('/bin/bash', [script, ollama], { waitReady: false, env });
    const first = await settledServerUnder(loop.pid);
    expect(first.supervisor).toBeUndefined();
    const rule = enforcer();
    await rule.gateOpened({});
    await scans(rule, 4000);
    expect(actions('stop-local-models')).toHaveLength(1);
    expect(actions('stop-local-models')[0]!.data.outcomes).toMatchObject([
      { pid: first.pid, result: 'respawned' },
    ]);
    expect(actions('model-restarted')).toHaveLength(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toMatch(
      new RegExp(
        `is restarted by pid ${loop.pid}: stop that, or let Offload stop it with \`models.stop-restarters: true\` in offload.yml$`,
      ),
    );
    const now = childrenOf(loop.pid).filter((pid) => alive(pid));
    expect(now).toHaveLength(1); // the respawned server, left running
    // It came back: nothing freed is claimed, and the advice is a command (the loop and its new server).
    const outcome = (actions('stop-local-models')[0]!.data.outcomes as StopOutcome[])[0]!;
    expect(outcome.freed).toBeUndefined();
    expect(outcome.advice).toBe(`kill ${loop.pid} ${now[0]}`);
    await endLoop(loop.pid);
  }, 20_000);

  it.runIf(process.getuid?.() === 0)(
    'another user’s server: "left running", reported once, never "stopped again"',
    async () => {
      fs.chmodSync(box.dir, 0o755);
      const rule = enforcer();
      await rule.gateOpened({});
      const other = await box.start('ollama', ['serve'], { uid: 65534, gid: 65534, env });
      await scans(rule, 1500);
      await rule.gateClosed('test', {});
      await rule.gateOpened({});
      await scans(rule, 1000);
      expect(alive(other.pid)).toBe(true);
      expect(notices.some((n) => /stopped again/.test(n.title))).toBe(false);
      const left = notices.filter((n) => /left running/.test(n.title));
      expect(left).toHaveLength(1);
      expect(left[0]!.body).toMatch(/owned by/);
      other.child.kill('SIGKILL');
      await waitFor(() => !alive(other.pid));
    },
    20_000,
  );

  it('with `models.stop-restarters: true` the loop is ended with its server: one stop, nothing comes back', async () => {
    const allowed = createMachineWatch({
      models: parseModelsConfig({
        exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
        grace: '1500ms',
        verify: '1500ms',
        'stop-restarters': true,
      }),
      watch: parseWatchConfig({ gpu: false }),
    });
    try {
      const loop = await box.start('/bin/bash', ['-c', `while true; do ${ollama} serve; sleep 0.3; done`], {
        waitReady: false,
        env,
      });
      const m = await waitFor(async () => (await allowed.refreshModels()).find((x) => x.ppid === loop.pid));
      const dry = await allowed.stopModelServers({ pids: [m.pid], dryRun: true });
      expect(dry[0]!.how.join('\n')).toContain(`end what restarts it first: pid ${loop.pid} (bash loop)`);
      const seen: Notice[] = [];
      const notifier = new Notifier();
      notifier.subscribe((n) => seen.push(n));
      const stops: unknown[] = [];
      const rule = new RuleEnforcer({
        policy: 'auto',
        models: allowed,
        notifier,
        stopRestarters: true,
        journal: { appendProjectEvent: (_k: string, data: unknown) => stops.push(data) },
      });
      await rule.gateOpened({});
      expect(stops).toMatchObject([
        { action: 'stop-local-models', outcomes: [{ pid: m.pid, result: 'stopped' }] },
      ]);
      expect(seen.map((n) => n.title)).toEqual([
        expect.stringMatching(/^Freed [\d.]+ MiB RAM: .* stopped — AWS is serving$/),
      ]);
      expect(alive(loop.pid)).toBe(false);
      expect(alive(m.pid)).toBe(false);
      expect((await allowed.refreshModels()).filter((x) => x.ppid === loop.pid)).toEqual([]);
    } finally {
      allowed.stop();
    }
  }, 20_000);

  it('a gate reopening with nothing to stop or switch runs no shutdown and records the skip once', async () => {
    const rule = enforcer();
    for (let i = 0; i < 3; i++) {
      await rule.gateOpened({});
      await rule.gateClosed('test', {});
    }
    expect(shutdowns).toBe(0);
    expect(actions('skip-shutdown')).toHaveLength(1);
    // Something to do: a server to stop. Then it runs.
    await box.start('ollama', ['serve'], { env });
    await rule.gateOpened({});
    expect(actions('stop-local-models')).toHaveLength(1);
    expect(shutdowns).toBe(1);
  }, 20_000);
});
