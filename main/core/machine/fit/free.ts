/**
 * What is free now: RAM available from the machine watch's last reading (MemAvailable; os.freemem(), which
 * libuv reads from the same line, when the watch has none yet) and each NVIDIA GPU's free memory, from the
 * watch's readings or one `nvidia-smi --query-gpu` call (3 s at most) when it has none.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import type { MachineSnapshot } from '../../vocabulary';
import { GPU_QUERY, parseGpuLine } from '../gpu-nvidia';
import { findOwnTool } from '../../platform/shell';
import type { FreeMemory } from './verdict';

const gpusFrom = (readings: MachineSnapshot['gpus']): FreeMemory['gpus'] =>
  readings
    .filter((g) => g.memTotalBytes !== undefined && g.memUsedBytes !== undefined)
    .map((g) => ({
      index: g.index,
      name: g.name,
      freeBytes: Math.max(0, g.memTotalBytes! - g.memUsedBytes!),
    }));

function queryNvidia(env: NodeJS.ProcessEnv): Promise<MachineSnapshot['gpus']> {
  const exe = findOwnTool('nvidia-smi', env);
  if (!exe) return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile(
      exe,
      [`--query-gpu=${GPU_QUERY}`, '--format=csv,noheader,nounits'],
      { env, timeout: 3000, maxBuffer: 256 * 1024, windowsHide: true },
      (err, stdout) => {
        if (err) return resolve([]);
        resolve(
          String(stdout)
            .split(/\r?\n/)
            .map(parseGpuLine)
            .filter((g) => g !== null),
        );
      },
    );
  });
}

/** Free RAM and VRAM now; never throws (an unreadable GPU is left out). */
export async function readFreeMemory(
  snapshot: MachineSnapshot | null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FreeMemory> {
  const ram = snapshot?.mem.availableBytes || os.freemem();
  const readings = snapshot?.gpus.length ? snapshot.gpus : await queryNvidia(env);
  return { ramAvailableBytes: ram, gpus: gpusFrom(readings) };
}
