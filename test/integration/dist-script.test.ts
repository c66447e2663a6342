/**
 * `npm run dist` (scripts/dist.mjs, the real electron-builder) where Electron's release zip cannot be downloaded:
 * one line naming the zip and electronDist, exit 1, no Go or JavaScript stack trace.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

test('an unreachable Electron mirror: one line with the way to an Electron on disk', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-dist-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_MIRROR: 'http://127.0.0.1:1/',
      ELECTRON_CACHE: path.join(tmp, 'cache'),
    };
    const args = [
      'scripts/dist.mjs',
      '--linux',
      'dir',
      '-c.npmRebuild=false',
      `-c.directories.output=${tmp}/out`,
    ];
    const res = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });
    expect(res.code).toBe(1);
    const all = res.out + res.err;
    expect(res.err.trim().split('\n').at(-1)).toMatch(
      /^offload: packaging needs electron-v[\d.]+-linux-x64\.zip and could not download it \(127\.0\.0\.1:1: connect: connection refused\); point the build at an Electron on disk: `npm run dist -- -c\.electronDist=PATH`/,
    );
    expect(all).not.toContain('github.com/develar');
    expect(all).not.toContain('ERR_ELECTRON_BUILDER_CANNOT_EXECUTE');
    expect(all).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);
