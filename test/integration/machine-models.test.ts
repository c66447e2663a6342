/**
 * Real model-server look-alikes, started as real processes under model-server names, found and stopped
 * by the machine watch; decoys survive every stop. Linux only (reads /proc to check the results).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMachineWatch,
  parseModelsConfig,
  parseWatchConfig,
  type MachineWatch,
} from '../../main/core/machine';
import { stopLocalModelsStep } from '../../main/core/machine/stop-local-models';
import { findExecutable } from '../../main/core/platform/shell';
import type { StopOutcome } from '../../main/core/state';
import type { StepContext } from '../../main/core/workflow/types';
import { alive, escapeRegex, fixtureSandbox, waitFor, type Started } from './machine-helpers';

const linux = process.platform === 'linux';

describe.runIf(linux)('local model servers: found, stopped, verified', () => {
  const box = fixtureSandbox('offload-models-');
  const log = path.join(box.dir, 'calls.jsonl');
  // Only processes started from this sandbox are in play (other tests on this machine are left alone);
  // decoys live in the sandbox too, so they go through the real catalogue.
  const models = parseModelsConfig({
    exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
    grace: '1500ms',
    verify: '1500ms',
  });
  let watch: MachineWatch;
  let ollama: Started;
  let stubborn: Started;
  let vllm: Started;
  let supervisor: Started;
  let supervisedPid: number;
  const decoys: Started[] = [];
  const calls = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];

  beforeAll(async () => {
    watch = createMachineWatch({ models, watch: parseWatchConfig({ gpu: false }) });
    const env = { FIXTURE_LOG: log };
    ollama = await box.start('ollama', ['serve'], {
      env: { ...env, FIXTURE_MODELS: 'llama3.2:3b,qwen2.5:0.5b' },
    });
    stubborn = await box.start('llama-server', ['--port', '0', '-m', 'stubborn.gguf'], {
      env: { ...env, FIXTURE_IGNORE_TERM: '1' },
    });
    vllm = await box.start('vllm', ['serve', 'facebook/opt-125m', '--port', '0']);
    supervisor = await box.start(
      'fake-supervisor',
      ['--', path.join(box.bin, 'llama-server'), '--port', '0', '-m', 'supervised.gguf'],
      {
        env: { ...env, OFFLOAD_TEST_SUPERVISOR: 'fixture-supervisor' },
      },
    );
    supervisedPid = supervisor.info.pid as number;
    fs.mkdirSync(path.join(box.dir, 'notes'));
    decoys.push(await box.start('vim', [path.join(box.dir, 'notes', 'ollama'), 'serve']));
    decoys.push(await box.start('ollama-docs', ['serve']));
    decoys.push(
      await box.start(process.execPath, [
        '-e',
        'console.log(JSON.stringify({ready:true}));setInterval(()=>{},1e6)',
        'ollama',
        'serve',
        box.dir,
      ]),
    );
    const python = findExecutable('python3');
    if (python)
      decoys.push(
        await box.start(
          python,
          ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', path.join(box.dir, 'notes')],
          {
            waitReady: false,
          },
        ),
      );
  }, 60_000);

  afterAll(async () => {
    watch?.stop();
    await box.cleanup();
  });

  it('lists each model server with its cost, ports, children and loaded models — and no decoy', async () => {
    const list = await watch.refreshModels();
    const byPid = new Map(list.map((m) => [m.pid, m]));
    const o = byPid.get(ollama.pid);
    expect(o).toMatchObject({ server: 'ollama', title: 'Ollama', ports: [ollama.info.port] });
    expect(o!.children.sort()).toEqual((ollama.info.runners as number[]).sort());
    expect(o!.loadedModels?.map((m) => m.name).sort()).toEqual(['llama3.2:3b', 'qwen2.5:0.5b']);
    expect(o!.loadedModels?.[0]?.sizeBytes).toBe(4_920_000_000);
    expect(o!.rssBytes).toBeGreaterThan(3 * 16e6); // server + 2 runners holding 16 MB each
    expect(o!.user).not.toBe('');
    expect(byPid.get(stubborn.pid)).toMatchObject({ server: 'llama.cpp', ports: [stubborn.info.port] });
    const v = byPid.get(vllm.pid);
    expect(v?.server).toBe('vllm');
    expect(v!.children.length).toBe(3); // two workers and a grandchild
    const s = byPid.get(supervisedPid);
    expect(s?.supervisor).toMatchObject({ kind: 'offload-test-supervisor', name: 'fixture-supervisor' });
    // Nothing else: the runners are inside Ollama, the supervisor is not a model server, decoys are not.
    expect([...byPid.keys()].sort()).toEqual([ollama.pid, stubborn.pid, vllm.pid, supervisedPid].sort());
    const everyPid = list.flatMap((m) => [m.pid, ...m.children]);
    for (const d of decoys) expect(everyPid).not.toContain(d.pid);
  });

  it('--dry-run says what would happen and touches nothing', async () => {
    const out = await watch.stopModelServers({ all: true, dryRun: true });
    expect(out.map((o) => o.result)).toEqual(['would-stop', 'would-stop', 'would-stop', 'would-stop']);
    expect(out.find((o) => o.pid === ollama.pid)!.how.join('\n')).toMatch(
      new RegExp(`graceful: ollama API on its own socket 127\\.0\\.0\\.1:${ollama.info.port}$`, 'm'),
    );
    for (const p of [ollama.pid, stubborn.pid, vllm.pid, supervisedPid]) expect(alive(p)).toBe(true);
    expect(calls().filter((c) => c.call === 'POST /api/generate')).toEqual([]);
  });

  it('refuses a pid that is not a model server', async () => {
    const out = await watch.stopModelServers({ pids: [decoys[0]!.pid, supervisor.pid] });
    expect(out.map((o) => o.result)).toEqual(['refused', 'refused']);
    expect(alive(decoys[0]!.pid) && alive(supervisor.pid)).toBe(true);
  });

  it('stops all: graceful unload, SIGKILL after grace, whole trees, respawn reported (not looped); decoys survive', async () => {
    const runners = ollama.info.runners as number[];
    const vllmTree = (await watch.refreshModels()).find((m) => m.pid === vllm.pid)!.children;
    const out = await watch.stopModelServers({ all: true });
    const by = new Map<number, StopOutcome>(out.map((o) => [o.pid, o]));

    const o = by.get(ollama.pid)!;
    expect(o.result).toBe('stopped');
    expect(o.how.filter((h) => h.startsWith('unloaded')).length).toBe(2);
    const unloads = calls().filter((c) => c.call === 'POST /api/generate');
    expect(unloads.map((c) => (c.body as { model: string }).model).sort()).toEqual([
      'llama3.2:3b',
      'qwen2.5:0.5b',
    ]);
    expect(unloads.every((c) => (c.body as { keep_alive: number }).keep_alive === 0)).toBe(true);
    expect(o.freed!.rssBytes).toBeGreaterThan(16e6);
    for (const p of [ollama.pid, ...runners]) expect(alive(p)).toBe(false);

    const st = by.get(stubborn.pid)!;
    expect(st.result).toBe('stopped');
    expect(st.how.join('\n')).toMatch(/SIGKILL/);
    expect(calls().some((c) => c.event === 'ignored SIGTERM' && c.pid === stubborn.pid)).toBe(true);
    expect(alive(stubborn.pid)).toBe(false);

    expect(by.get(vllm.pid)!.result).toBe('stopped');
    for (const p of [vllm.pid, ...vllmTree]) expect(alive(p)).toBe(false);

    const sv = by.get(supervisedPid)!;
    expect(sv.result).toBe('respawned');
    expect(sv.advice).toBe(`kill ${supervisor.pid}`);
    expect(sv.freed).toBeUndefined(); // it came back: nothing was freed
    const restarts = calls().filter((c) => c.event === 'child exited, restarting');
    expect(restarts.length).toBe(1); // killed once, not in a loop
    const again = (await watch.refreshModels()).filter((m) => m.server === 'llama.cpp');
    expect(again.length).toBe(1);
    expect(again[0]!.ppid).toBe(supervisor.pid);
    expect(alive(supervisor.pid)).toBe(true);

    for (const d of decoys) expect(alive(d.pid)).toBe(true);
  }, 30_000);

  it('the stop-local-models step records outcomes and fails when a server came back', async () => {
    const records: { kind: string; data: unknown }[] = [];
    const lines: string[] = [];
    const ctx = {
      runId: 'r1',
      projectDir: box.dir,
      phase: 'shutdown',
      stepId: 'stop',
      attempt: 1,
      signal: new AbortController().signal,
      env: {},
      cwd: box.dir,
      log: (t: string) => lines.push(t),
      setOutput: () => {},
      addMask: () => {},
      record: (kind: string, data: unknown) => records.push({ kind, data }),
      services: { machine: watch },
    } satisfies StepContext;
    const step = { id: 'stop', name: 'stop', kind: 'stop-local-models', extra: {}, timeoutMs: undefined };
    const fresh = await box.start('llama-server', ['--port', '0', '-m', 'fresh.gguf']);
    const onlyFresh = await stopLocalModelsStep.execute(ctx, { ...step, spec: { except: ['llama.cpp'] } });
    expect(onlyFresh).toMatchObject({ status: 'passed', summary: 'no local model servers running' });
    expect(alive(fresh.pid)).toBe(true);

    const r = await stopLocalModelsStep.execute(ctx, { ...step, spec: { 'verify-gone': '1500ms' } });
    expect(r.status).toBe('failed'); // the supervised one came back
    expect(r.summary).toMatch(/respawned/);
    const outcomes = records.at(-1)!.data as StopOutcome[];
    expect(records.at(-1)!.kind).toBe('stop-local-models');
    expect(outcomes.find((x) => x.pid === fresh.pid)?.result).toBe('stopped');
    expect(outcomes.some((x) => x.result === 'respawned')).toBe(true);
    expect(lines.join('')).toMatch(/stopped: llama.cpp server/);
    expect(alive(fresh.pid)).toBe(false);
    for (const d of decoys) expect(alive(d.pid)).toBe(true);
  }, 30_000);

  it.runIf(process.getuid?.() === 0)('never signals another user’s model server', async () => {
    fs.chmodSync(box.dir, 0o755);
    const other = await box.start('ollama', ['serve'], {
      uid: 65534,
      gid: 65534,
      env: { FIXTURE_MODELS: '' },
    });
    const list = await watch.refreshModels();
    const m = list.find((x) => x.pid === other.pid);
    expect(m?.server).toBe('ollama');
    const out = await watch.stopModelServers({ pids: [other.pid] });
    expect(out[0]).toMatchObject({ result: 'refused' });
    expect(out[0]!.reason).toMatch(/owned by/);
    expect(alive(other.pid)).toBe(true);
  });

  it('finds a server that a wrapper exec()s after it was first seen (same pid, new command line)', async () => {
    const w = createMachineWatch({ models, watch: parseWatchConfig({ gpu: false }) });
    const llama = path.join(box.bin, 'llama-server');
    const wrapper = box.start('/bin/sh', ['-c', `sleep 1; exec ${llama} --port 0 -m exec.gguf # ${box.dir}`]);
    await new Promise((r) => setTimeout(r, 300));
    const before = await w.refreshModels();
    const started = await wrapper;
    expect(before.some((m) => m.pid === started.pid)).toBe(false); // still `sh` then
    const after = await w.refreshModels();
    expect(after.find((m) => m.pid === started.pid)?.server).toBe('llama.cpp');
    w.stop();
  });

  it('the running watch notices a new model server within one process interval', async () => {
    const w = createMachineWatch({
      models,
      watch: parseWatchConfig({ gpu: false, interval: '500ms', 'process-interval': '500ms' }),
    });
    let changes = 0;
    w.subscribe(() => changes++);
    w.start();
    try {
      await waitFor(() => w.snapshot());
      const snap = w.snapshot()!;
      expect(snap.mem.totalBytes).toBeGreaterThan(0);
      expect(snap.cpu.cores).toBeGreaterThan(0);
      const t0 = Date.now();
      const late = await box.start('llama-server', ['--port', '0', '-m', 'late.gguf']);
      await waitFor(() => w.models().some((m) => m.pid === late.pid), 5000);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(changes).toBeGreaterThan(0);
    } finally {
      w.stop();
    }
  });
});
