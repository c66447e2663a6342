import { describe, expect, it } from 'vitest';
import { parseModelsConfig } from '../../main/core/machine/config';
import {
  CpuRates,
  LOADED_MAX_AGE_MS,
  liveModelServers,
  ModelScanner,
  treeGpuMem,
  withFreshReadings,
} from '../../main/core/machine/model-scan';
import type { ProcessReader, ProcInfo } from '../../main/core/platform/proc-reader';

const proc = (pid: number, argv: string[], over: Partial<ProcInfo> = {}): ProcInfo => ({
  pid,
  ppid: 1,
  start: pid * 10,
  comm: argv[0]!.split('/').pop()!,
  argv,
  uid: 1000,
  user: 'me',
  cpuMs: 0,
  rssBytes: 1000,
  ...over,
});

const cfg = parseModelsConfig(undefined);
const server = proc(200, ['/usr/bin/llama-server', '-m', 'x.gguf']);
const worker = proc(201, ['/usr/bin/llama-server', '--worker'], { ppid: 200 });
const zombie = proc(300, ['/usr/bin/llama-server', '-m', 'y.gguf']);
const editor = proc(400, ['/usr/bin/vim', 'notes.txt']);

/** A process table held in memory; `zombies` are listed by scan but not alive. */
function fakeReader(
  procs: ProcInfo[],
  zombies: number[] = [],
  ports = new Map<number, number[]>(),
): ProcessReader {
  return {
    platform: 'linux',
    scan: async () => procs,
    sample: (pids) => procs.filter((p) => pids.includes(p.pid)).map((p) => ({ ...p, cpuMs: p.cpuMs + 500 })),
    listeningPorts: async () => ports,
    listeningSockets: async () => [],
    supervisorHints: async () => ({}),
    alive: (pid, start) => procs.some((p) => p.pid === pid && p.start === start) && !zombies.includes(pid),
    ownedByMe: () => true,
    close: () => undefined,
  };
}

describe('model scan', () => {
  it('leaves out a zombie model server the process table still lists', () => {
    const r = fakeReader([server, worker, zombie, editor], [300]);
    const found = liveModelServers([server, worker, zombie, editor], cfg, (p, s) => r.alive(p, s), 1);
    expect(found.map((f) => [f.proc.pid, f.tree.map((t) => t.pid)])).toEqual([[200, [201]]]);
  });

  it('takes fresh readings only from the same process (pid and start)', () => {
    const [f] = liveModelServers([server, worker], cfg, () => true, 1);
    const out = withFreshReadings(
      [f!],
      [
        { ...server, rssBytes: 5 },
        { ...worker, start: 999, rssBytes: 7 }, // the pid now belongs to another process
      ],
    );
    expect(out[0]!.proc.rssBytes).toBe(5);
    expect(out[0]!.tree[0]!.rssBytes).toBe(1000);
    expect(f!.proc.rssBytes).toBe(1000); // the input is not changed
  });

  it('rates CPU between scans and forgets processes that left', () => {
    const rates = new CpuRates();
    rates.update([{ ...server, cpuMs: 1000 }], 10_000);
    expect(rates.of(server)).toBe(0);
    rates.update([{ ...server, cpuMs: 1500 }], 11_000);
    expect(rates.of(server)).toBe(50);
    rates.update([], 12_000);
    rates.update([{ ...server, cpuMs: 9000 }], 13_000);
    expect(rates.of(server)).toBe(0); // seen once again: no rate yet
  });

  it('adds GPU memory over the whole tree, only where a GPU can be asked', () => {
    const [f] = liveModelServers([server, worker], cfg, () => true, 1);
    const apps = new Map([
      [200, 100],
      [201, 50],
    ]);
    expect(treeGpuMem(f!, apps, true)).toBe(150);
    expect(treeGpuMem(f!, apps, false)).toBeUndefined();
  });

  it('lists the live servers with ports, tree cost and CPU rate from fresh readings', async () => {
    let t = 0;
    const procs = [server, worker, zombie, editor];
    const scanner = new ModelScanner({
      reader: () => fakeReader(procs, [300], new Map([[200, [8080]]])),
      models: cfg,
      gpu: null,
      now: () => (t += 1000),
      self: 1,
      loaded: async () => null,
    });
    await scanner.scan();
    procs[0] = { ...server, cpuMs: 1000 };
    const { found, models } = await scanner.scan();
    expect(found.map((f) => f.proc.pid)).toEqual([200]);
    expect(models).toMatchObject([
      { pid: 200, server: 'llama.cpp', ports: [8080], children: [201], rssBytes: 2000, cpuPct: 100 },
    ]);
  });

  it("asks Ollama's loaded models again only when the server's tree or ports change, or the answer is old", async () => {
    let t = 0;
    const ollama = proc(500, ['/usr/local/bin/ollama', 'serve']);
    const runner = proc(501, ['/usr/local/bin/ollama', 'runner', '--model', 'a'], { ppid: 500 });
    const procs = [ollama, runner, editor];
    const ports = new Map([[500, [11434]]]);
    let asked = 0;
    const scanner = new ModelScanner({
      reader: () => fakeReader(procs, [], ports),
      models: cfg,
      gpu: null,
      now: () => t,
      self: 1,
      loaded: async () => [{ name: `model-${++asked}`, sizeBytes: 1 }],
    });
    const names = async () => (await scanner.scan()).models[0]!.loadedModels!.map((m) => m.name);
    expect(await names()).toEqual(['model-1']);
    t += 5000;
    expect(await names()).toEqual(['model-1']); // nothing changed: not asked
    procs.push(proc(502, ['/usr/local/bin/ollama', 'runner', '--model', 'b'], { ppid: 500 })); // a model loads
    t += 5000;
    expect(await names()).toEqual(['model-2']);
    procs.splice(procs.indexOf(runner), 1); // one unloads
    t += 5000;
    expect(await names()).toEqual(['model-3']);
    ports.set(500, [11434, 11435]);
    t += 5000;
    expect(await names()).toEqual(['model-4']);
    t += LOADED_MAX_AGE_MS;
    expect(await names()).toEqual(['model-5']);
    expect(asked).toBe(5);
  });

  it('finds a server again when a listed process execs into one (same pid and start, new command line)', async () => {
    const procs = [server, editor];
    const scanner = new ModelScanner({
      reader: () => fakeReader(procs),
      models: cfg,
      gpu: null,
      now: () => 0,
      self: 1,
      loaded: async () => null,
    });
    expect((await scanner.scan()).models.map((m) => m.pid)).toEqual([200]);
    procs[1] = { ...editor, argv: ['/usr/bin/llama-server', '-m', 'z.gguf'] };
    expect((await scanner.scan()).models.map((m) => m.pid)).toEqual([200, 400]);
    procs.splice(0, 1);
    expect((await scanner.scan()).models.map((m) => m.pid)).toEqual([400]);
  });
});
