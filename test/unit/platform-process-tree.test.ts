// Process trees: a real tree (child, grandchild, one that left the group with setsid) is stopped entirely.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendants, killTree, processTable, spawnInGroup } from '../../main/core/platform/process-tree';
import { alive, waitFor } from '../fixtures/engine/project';

describe('process tree', () => {
  it('descendants() walks a parent table', () => {
    const t = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 1],
      [14, 12],
    ]);
    expect(descendants(10, t).sort()).toEqual([11, 12, 14]);
  });

  it.runIf(process.platform !== 'win32')(
    'killTree stops the group and descendants that left it; TERM-ignoring ones get KILL',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-tree-'));
      const pids = path.join(dir, 'pids');
      const child = spawnInGroup(
        'bash',
        [
          '-c',
          `sleep 300 & echo $! >> ${pids}
       setsid sleep 301 & echo $! >> ${pids}
       bash -c 'trap "" TERM; sleep 302 & echo $! >> ${pids}; while true; do sleep 1; done' & echo $! >> ${pids}
       wait`,
        ],
        { stdio: 'ignore' },
      );
      const found = await waitFor(
        () => {
          const t = fs.existsSync(pids) ? fs.readFileSync(pids, 'utf8').trim().split('\n').map(Number) : [];
          return t.length === 4 ? t : undefined;
        },
        10_000,
        'the tree',
      );
      try {
        expect(processTable().get(found[0]!)).toBe(child.pid);
        expect(found.every(alive)).toBe(true);
        await killTree(child.pid!, { graceMs: 300 });
        expect(found.filter(alive)).toEqual([]);
        expect(alive(child.pid!)).toBe(false);
      } finally {
        for (const p of found) if (alive(p)) process.kill(p, 'SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
