/**
 * What offloading freed, after a real stop: a fixture Ollama (server and runner, holding real resident memory)
 * behind the fixture nvidia-smi (per-process GPU memory), stopped by `offload models stop` and by the
 * `stop-local-models` step; the held memory and what was free after reach the JSON outcome, the step record,
 * the journal, `offload status` (text and --json) and the state the window renders.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../main/core/history';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import { stopLocalModelsStep } from '../../main/core/machine/stop-local-models';
import { reliefOf } from '../../main/core/open-project/relief-view';
import type { StopOutcome } from '../../main/core/state';
import type { StepContext } from '../../main/core/workflow/types';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { alive, escapeRegex, fixtureSandbox, FIXTURES } from './machine-helpers';

const MIB = 1024 * 1024;
const SMI_DIR = path.join(FIXTURES, 'nvidia-smi');
const GPUS = JSON.stringify([
  { name: 'NVIDIA GeForce RTX 4090', util: 5, used: 2048, total: 24576, temp: 40 },
]);

describe.runIf(process.platform === 'linux')('what offloading freed, after a real stop', () => {
  const box = fixtureSandbox('offload-relief-');
  const data = tempDataDir();
  afterAll(() => box.cleanup());
  const smiEnv = (apps: string) => ({
    PATH: `${SMI_DIR}${path.delimiter}${process.env.PATH}`,
    FIXTURE_GPUS: GPUS,
    FIXTURE_GPU_APPS: apps,
  });

  it('`models stop` records the tree’s RSS, VRAM per process and free memory after; status shows it', async () => {
    const dir = makeProject(
      `name: relief
notify: { desktop: false }
models:
  exclude: [{ cmdline: '^(?!.*${escapeRegex(box.dir)})' }]
  verify: 300ms
`,
    );
    const ollama = await box.start('ollama', ['serve'], {
      env: { FIXTURE_MODELS: 'llama3.2:3b', FIXTURE_RSS_MB: '48' },
    });
    const runner = (ollama.info.runners as number[])[0]!;
    const env = { OFFLOAD_HOME: data, HOME: data, ...smiEnv(`${ollama.pid}:512,${runner}:6144,424242:99`) };

    const r = await runCli(['models', 'stop', String(ollama.pid), '--yes', '--json'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(alive(ollama.pid)).toBe(false);
    const [o] = JSON.parse(r.stdout) as StopOutcome[];
    expect(o!.result).toBe('stopped');
    // Server 48 MB + runner 16 MB resident (touched), the GPU's per-process figures of the tree only.
    expect(o!.held!.rssBytes).toBeGreaterThan(64 * MIB);
    expect(o!.held!.pids).toEqual([ollama.pid, runner]);
    expect(o!.held!.gpuByPid).toEqual({ [ollama.pid]: 512 * MIB, [runner]: 6144 * MIB });
    expect(o!.held!.gpuMemBytes).toBe(6656 * MIB);
    expect(o!.freed).toEqual({ rssBytes: o!.held!.rssBytes, gpuMemBytes: 6656 * MIB });
    expect(o!.freeAfter!.vramFreeBytes).toBe((24576 - 2048) * MIB);
    expect(o!.freeAfter!.ramAvailableBytes).toBeGreaterThan(0);

    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout);
    expect(status.relief.last).toMatchObject({
      titles: ['Ollama'],
      ramBytes: o!.held!.rssBytes,
      vramBytes: 6656 * MIB,
      freeAfter: o!.freeAfter,
    });
    expect(status.relief.today.servedMs).toBeGreaterThan(0);
    const text = (await runCli(['status'], { cwd: dir, env })).stdout;
    expect(text).toMatch(
      /♻ Freed [\d.]+ MiB RAM and 6\.5 GiB VRAM: Ollama stopped at \d\d:\d\d \(free after: [\d.]+ \w+ RAM, 22 GiB VRAM\)/,
    );
    expect(text).toMatch(
      /today: AWS served under a minute of model time that would have held [\d.]+ MiB RAM and 6\.5 GiB VRAM here/,
    );
    const journal = JSON.parse((await runCli(['journal', '--json'], { cwd: dir, env })).stdout) as {
      kind: string;
      text: string;
    }[];
    expect(journal.find((l) => l.kind === 'stop-local-models')!.text).toMatch(
      /you stopped model servers .*Ollama \(pid \d+\) stopped.*freed [\d.]+ MiB RAM, 6\.5 GiB VRAM \(free after: .* RAM, 22 GiB VRAM\)/,
    );
  }, 30_000);

  it('the shutdown step’s stop lands in the step record and the journal the window reads', async () => {
    const server = await box.start('llama-server', ['--port', '0', '-m', 'relief.gguf']);
    const watch = createMachineWatch({
      env: { ...process.env, ...smiEnv(`${server.pid}:2048`) },
      watch: parseWatchConfig({}),
      models: parseModelsConfig({
        exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
        verify: '300ms',
      }),
    });
    const history = new HistoryStore({
      dataDir: tempDataDir(),
      project: { name: 'relief-step', dir: box.dir },
    });
    const records: { kind: string; data: unknown }[] = [];
    const ctx = {
      runId: 'r1',
      projectDir: box.dir,
      phase: 'shutdown',
      stepId: 'stop',
      attempt: 1,
      signal: new AbortController().signal,
      env: {},
      cwd: box.dir,
      log: () => {},
      setOutput: () => {},
      addMask: () => {},
      record: (kind: string, d: unknown) => records.push({ kind, data: d }),
      services: { machine: watch, history },
    } as unknown as StepContext;
    try {
      const step = { id: 'stop', name: 'stop', kind: 'stop-local-models', extra: {}, timeoutMs: undefined };
      const r = await stopLocalModelsStep.execute(ctx, { ...step, spec: true });
      expect(r.status).toBe('passed');
      expect(r.summary).toMatch(/^stopped 1 local model server, freed [\d.]+ MiB RAM, 2\.0 GiB VRAM$/);
      const [o] = records[0]!.data as StopOutcome[];
      expect(o).toMatchObject({ pid: server.pid, held: { gpuByPid: { [server.pid]: 2048 * MIB } } });
      expect(o!.freeAfter!.vramFreeBytes).toBe(22528 * MIB);
      const relief = reliefOf(history)!;
      expect(relief.last).toMatchObject({ titles: ['llama.cpp server'], vramBytes: 2048 * MIB });
      expect(history.readJournal()).toMatchObject([{ kind: 'stop-local-models', data: { trigger: 'step' } }]);
    } finally {
      watch.stop();
    }
  }, 30_000);
});
