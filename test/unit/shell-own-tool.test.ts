/**
 * Offload's own tools (nvidia-smi, the clipboard tools, lms) never come from a relative PATH folder, which
 * resolves against the folder Offload runs in: a repository's planted `nvidia-smi` with `.` on PATH.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findExecutable, findOwnTool } from '../../main/core/platform/shell';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

it.runIf(process.platform !== 'win32')(
  'a relative PATH folder is passed over; an absolute one is used',
  () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-own-tool-')));
    roots.push(root);
    for (const d of ['planted', 'installed']) {
      fs.mkdirSync(path.join(root, d));
      fs.writeFileSync(path.join(root, d, 'nvidia-smi'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    }
    // the planted one is named relatively (as `.` or `bin` would be, from the folder Offload runs in)
    const relative = path.relative(process.cwd(), path.join(root, 'planted'));
    const env = { PATH: `${relative}:${path.join(root, 'installed')}` };
    expect(findExecutable('nvidia-smi', env)).toBe(path.join(relative, 'nvidia-smi'));
    expect(findOwnTool('nvidia-smi', env)).toBe(path.join(root, 'installed', 'nvidia-smi'));
    expect(findOwnTool('nvidia-smi', { PATH: relative })).toBeUndefined();
  },
);
