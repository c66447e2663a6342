// The supervisor is background work: its start-up (a whole Node) yields the CPU to the step and to Offload.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { spawnMarked } from '../../main/core/platform/process-tree';
import { supervisorPid } from '../../main/core/platform/step-supervisor';

describe.skipIf(process.platform === 'win32')('step supervisor', () => {
  it('runs at a lower priority than Offload (nice 10 or lower), started with the first step', async () => {
    const marked = spawnMarked('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
    await new Promise((r) => marked.child.once('exit', r));
    await new Promise((r) => setImmediate(r)); // the supervisor is started by the first flush
    const pid = supervisorPid();
    expect(pid).toBeTypeOf('number');
    expect(os.getPriority(pid)).toBeGreaterThanOrEqual(Math.max(10, os.getPriority()));
    marked.release();
  });
});
