/**
 * GPU readings through a fixture `nvidia-smi` on PATH that prints what the real one prints for the exact
 * queries Offload and systeminformation make: one GPU, several GPUs, compute apps, none at all.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNvidiaMonitor, GPU_QUERY } from '../../main/core/machine/gpu-nvidia';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import { escapeRegex, fixtureSandbox, FIXTURES, waitFor } from './machine-helpers';

const SMI_DIR = path.join(FIXTURES, 'nvidia-smi');
const MIB = 1048576;

describe.runIf(process.platform === 'linux')('GPU readings (fixture nvidia-smi)', () => {
  const box = fixtureSandbox('offload-gpu-');
  const smiLog = path.join(box.dir, 'smi.jsonl');
  const env = (extra: Record<string, string>) => ({
    ...process.env,
    PATH: `${SMI_DIR}${path.delimiter}${process.env.PATH}`,
    FIXTURE_SMI_LOG: smiLog,
    ...extra,
  });
  const smiCalls = () =>
    fs.existsSync(smiLog)
      ? fs
          .readFileSync(smiLog, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[])
      : [];
  afterAll(() => box.cleanup());

  it('one GPU: one long-lived `nvidia-smi -l` child, streaming readings', async () => {
    fs.rmSync(smiLog, { force: true });
    const gpu = createNvidiaMonitor({ intervalMs: 1000, env: env({}) });
    let updates = 0;
    gpu.onUpdate(() => updates++);
    expect(gpu.available()).toBe(true);
    gpu.start();
    try {
      await waitFor(() => updates >= 2, 8000);
      expect(gpu.readings()).toEqual([
        {
          index: 0,
          name: 'NVIDIA GeForce RTX 4090',
          vendor: 'NVIDIA',
          utilizationPct: 37,
          memUsedBytes: 10240 * MIB,
          memTotalBytes: 24564 * MIB,
          temperatureC: 61,
        },
      ]);
      const calls = smiCalls();
      expect(calls).toEqual([[`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits', '-l', '1']]);
    } finally {
      gpu.stop();
    }
  });

  it('several GPUs, [N/A] fields, and per-process GPU memory of model servers', async () => {
    fs.rmSync(smiLog, { force: true });
    const server = await box.start('llama-server', ['--port', '0', '-m', 'gpu.gguf']);
    const gpus = [
      { name: 'NVIDIA A100-SXM4-80GB', util: 91, used: 78000, total: 81920, temp: 70 },
      { name: 'NVIDIA A100-SXM4-80GB', util: 0, used: 4, total: 81920, temp: 31 },
      { name: 'Tesla T4', util: null, used: 3, total: 15360, temp: null },
    ];
    const w = createMachineWatch({
      env: env({ FIXTURE_GPUS: JSON.stringify(gpus), FIXTURE_GPU_APPS: `${server.pid}:6144,99999:NA` }),
      watch: parseWatchConfig({ interval: '500ms', 'process-interval': '500ms', 'gpu-interval': '1s' }),
      models: parseModelsConfig({ exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }] }),
    });
    w.start();
    try {
      await waitFor(() => (w.snapshot()?.gpus.length ?? 0) === 3, 8000);
      const snap = w.snapshot()!;
      expect(snap.gpus.map((g) => [g.index, g.name, g.utilizationPct, g.temperatureC])).toEqual([
        [0, 'NVIDIA A100-SXM4-80GB', 91, 70],
        [1, 'NVIDIA A100-SXM4-80GB', 0, 31],
        [2, 'Tesla T4', undefined, undefined],
      ]);
      expect(snap.gpus[0]!.memUsedBytes).toBe(78000 * MIB);
      const m = await waitFor(() => w.models().find((x) => x.pid === server.pid && x.gpuMemBytes), 5000);
      expect(m.gpuMemBytes).toBe(6144 * MIB);
      expect(smiCalls().some((c) => c[0] === '--query-compute-apps=pid,used_memory')).toBe(true);
      expect(smiCalls().filter((c) => c[0]!.startsWith('--query-gpu')).length).toBe(1);
    } finally {
      w.stop();
      server.child.kill('SIGKILL');
    }
  });

  it('asks for compute apps only while model servers exist', async () => {
    fs.rmSync(smiLog, { force: true });
    const w = createMachineWatch({
      env: env({}),
      watch: parseWatchConfig({ 'process-interval': '500ms' }),
      models: parseModelsConfig({ builtin: false }),
    });
    w.start();
    try {
      await waitFor(() => w.snapshot()?.gpus.length === 1, 8000);
      await new Promise((r) => setTimeout(r, 1200));
      expect(smiCalls().some((c) => c[0]!.startsWith('--query-compute-apps'))).toBe(false);
    } finally {
      w.stop();
    }
  });

  it('answers systeminformation’s exact query the way the real one does', () => {
    const src = fs.readFileSync(require.resolve('systeminformation/lib/graphics.js'), 'utf8');
    const q = /'(--query-gpu=[^']+)'/.exec(src)![1]!;
    const out = execFileSync(path.join(SMI_DIR, 'nvidia-smi'), q.split(' '), {
      env: env({
        FIXTURE_GPUS: JSON.stringify([
          { name: 'NVIDIA GeForce RTX 3090', util: 5, used: 300, total: 24576, temp: 40 },
        ]),
      }),
    }).toString();
    const fields = out.trim().split(', ');
    expect(fields.length).toBe(16); // systeminformation drops lines that do not have exactly 16
    expect(fields[2]).toBe('NVIDIA GeForce RTX 3090');
  });

  it('no nvidia-smi on PATH: no GPUs, no error', async () => {
    const gpu = createNvidiaMonitor({ intervalMs: 1000, env: { PATH: box.dir } });
    expect(gpu.available()).toBe(false);
    gpu.start();
    expect(gpu.readings()).toEqual([]);
    expect((await gpu.computeApps()).size).toBe(0);
    gpu.stop();
  });
});
