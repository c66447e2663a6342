/**
 * The CLI writes a file, a pipe or /dev/null with fs.writeSync and makes Node's stream only when a write is
 * refused (main/cli/std-streams.ts, issue 20): the output must be whole and in order either way, and a short
 * command writing to a file must not load Node's stream module (nor node:crypto: main/core/platform/digest.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, makeProject, tempDataDir } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

const made: string[] = [];
const temp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-std-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const LINES = 4000;
const YAML = `name: streams
phases:
  local:
    steps:
      - run: node -e "for (let i = 0; i < ${LINES}; i++) console.log('line ' + i + ' ' + 'x'.repeat(60))"
`;

describe('the CLI’s standard output', () => {
  it('`offload status` into a file: the whole answer, and neither Node’s stream module nor node:crypto loaded', async () => {
    const dir = makeProject('name: quiet\nphases:\n  local:\n    steps:\n      - run: "true"\n');
    const data = tempDataDir();
    trustProject(dir, data);
    // as a user's project is: offload.yml not written in the last seconds, and its model kept by an earlier
    // command (that one writes the kept model, with a random temp name: it loads node:crypto)
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(spawnSync(process.execPath, [CLI, 'status', '--data-dir', data], { cwd: dir }).status).toBe(0);
    const t = temp();
    const hook = path.join(t, 'hook.cjs');
    const loaded = path.join(t, 'loaded.json');
    fs.writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    const outFile = path.join(t, 'out.txt');
    const fd = fs.openSync(outFile, 'w');
    let r;
    try {
      r = spawnSync(process.execPath, ['-r', hook, CLI, 'status', '--data-dir', data], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
      });
    } finally {
      fs.closeSync(fd);
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = fs.readFileSync(outFile, 'utf8');
    expect(out).toMatch(/^quiet {2}/);
    expect(out).toMatch(/allowed {2}local/);
    expect(out).toMatch(/no runs yet/);
    const modules = JSON.parse(fs.readFileSync(loaded, 'utf8')) as string[];
    expect(modules).toContain('NativeModule fs'); // the list is the real one
    expect(modules).not.toContain('NativeModule stream');
    expect(modules).not.toContain('NativeModule crypto');
  });

  it('a run’s 300 KB of step output into a non-blocking pipe read slowly: every line, in order', async () => {
    const dir = makeProject(YAML);
    const data = tempDataDir();
    trustProject(dir, data);
    const fifo = path.join(temp(), 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
    const reader = fs.openSync(fifo, O_RDONLY | O_NONBLOCK);
    // the write end the CLI gets is non-blocking too: a write past the pipe's 64 KB is refused (EAGAIN)
    const writer = fs.openSync(fifo, O_WRONLY | O_NONBLOCK);
    const child = spawn(process.execPath, [CLI, 'run', 'local', '--data-dir', data], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', writer, 'pipe'],
    });
    fs.closeSync(writer);
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the pipe fills while nobody reads
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(16 * 1024);
    for (let idle = 0; idle < 1000;) {
      let n: number;
      try {
        n = fs.readSync(reader, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        idle++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (n === 0) break; // every writer closed: the CLI is done
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    fs.closeSync(reader);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const out = Buffer.concat(chunks).toString('utf8');
    expect(out.length).toBeGreaterThan(LINES * 60);
    const numbers = [...out.matchAll(/│ line (\d+) x{60}\n/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: LINES }, (_, i) => i));
    expect(out).toMatch(/✅ run passed in/);
  }, 30_000);
});
