/**
 * The CLI writes a file, a pipe or /dev/null with fs.writeSync and makes Node's stream only when a write is
 * refused (main/cli/std-streams.ts, issue 20): the output must be whole and in order either way, and a short
 * command writing to a file must not load Node's stream module (nor node:crypto: main/core/platform/digest.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
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

/**
 * `offload run local` of YAML with its stdout a non-blocking pipe (a FIFO opened O_NONBLOCK) that nobody reads
 * for `delayMs`, then read to its end.
 */
async function runIntoNonBlockingPipe(delayMs: number) {
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
  // The child was handed the pipe in blocking mode (libuv clears O_NONBLOCK on a child's stdio as it starts it,
  // before spawn returns): set it again on the shared open pipe, as a parent that is not libuv leaves it. Node
  // opening a pipe's fd as a socket makes it non-blocking; destroying the socket closes this process's fd.
  new net.Socket({ fd: writer, readable: false, writable: true }).destroy();
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  await new Promise((resolve) => setTimeout(resolve, delayMs)); // the pipe fills while nobody reads
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
  return { code: await exited, stderr, out: Buffer.concat(chunks).toString('utf8') };
}

describe('the CLI’s standard output', () => {
  it('`offload status` into a file: the whole answer, and neither Node’s stream module nor node:crypto loaded', async () => {
    // no model server recognised: one running on this machine (a developer's Ollama) is asked what it holds,
    // over a socket, which is work of another kind than this test's
    const dir = makeProject(
      'name: quiet\nphases:\n  local:\n    steps:\n      - run: "true"\nmodels:\n  builtin: false\n',
    );
    const data = tempDataDir();
    trustProject(dir, data);
    // as a user's project is: offload.yml not written in the last seconds, and its model kept by an earlier
    // command (that one writes the kept model, with a random temp name: it loads node:crypto)
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(spawnSync(process.execPath, [CLI, 'status', '--data-dir', data], { cwd: dir }).status).toBe(0);
    const t = temp();
    const hook = path.join(t, 'hook.cjs');
    const loaded = path.join(t, 'loaded.json');
    // the modules the run loaded, and where it first asked for crypto or stream (a failure says why)
    fs.writeFileSync(
      hook,
      `const why = {}; const M = require('node:module'); const load = M._load;\n` +
        `M._load = function (r, ...a) { const k = r.replace(/^node:/, '');\n` +
        `  if ((k === 'crypto' || k === 'stream') && !why[k]) why[k] = new Error().stack.split('\\n').slice(2, 14).join('\\n');\n` +
        `  return load.call(this, r, ...a); };\n` +
        `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify({ modules: process.moduleLoadList, why })));\n`,
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
    const { modules, why } = JSON.parse(fs.readFileSync(loaded, 'utf8')) as {
      modules: string[];
      why: Record<string, string>;
    };
    expect(modules).toContain('NativeModule fs'); // the list is the real one
    expect(modules, why.stream).not.toContain('NativeModule stream');
    expect(modules, why.crypto).not.toContain('NativeModule crypto');
  });

  it('a run’s 300 KB of step output into a non-blocking pipe read slowly: every line, in order', async () => {
    const { code, stderr, out } = await runIntoNonBlockingPipe(1500);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(out.length).toBeGreaterThan(LINES * 60);
    const numbers = [...out.matchAll(/│ line (\d+) x{60}\n/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: LINES }, (_, i) => i));
    expect(out).toMatch(/✅ run passed in/);
  }, 30_000);

  it('a reader that starts well after the run ended still gets all of it: the CLI does not leave before its output is out', async () => {
    // the CLI leaves 1.5 s after its command, even with a handle open: never with output Node still holds
    const { code, out } = await runIntoNonBlockingPipe(4000);
    expect(code).toBe(0);
    expect([...out.matchAll(/│ line (\d+) x{60}\n/g)]).toHaveLength(LINES);
    expect(out).toMatch(/✅ run passed in/);
  }, 30_000);
});

describe('output that cannot be written', () => {
  it('`offload status > /dev/full`: one line saying so and exit 1, no stack trace; `run` too', async () => {
    const dir = makeProject(YAML);
    const data = tempDataDir();
    trustProject(dir, data);
    for (const args of [['status'], ['status', '--json'], ['run', 'local']]) {
      const full = fs.openSync('/dev/full', 'w');
      const child = spawn(process.execPath, [CLI, ...args, '--data-dir', data], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', full, 'pipe'],
      });
      fs.closeSync(full);
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, args.join(' ')).toBe(1);
      expect(stderr, args.join(' ')).toBe(
        'offload: cannot write the output: ENOSPC: no space left on device, write\n',
      );
    }
  }, 30_000);
});

describe('`offload --version`, answered before the CLI is loaded', () => {
  it('into /dev/full: one line and exit 1; into a pipe its reader closed: exit 0; neither a stack trace', async () => {
    for (const arg of ['--version', '-V']) {
      const full = fs.openSync('/dev/full', 'w');
      const r = spawnSync(process.execPath, [CLI, arg], {
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
      });
      fs.closeSync(full);
      expect([arg, r.status, r.stderr]).toEqual([
        arg,
        1,
        'offload: cannot write the output: ENOSPC: no space left on device, write\n',
      ]);
      // `offload --version | head -0`: the reader is gone before the line is written
      const child = spawn(process.execPath, [CLI, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.destroy();
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect([arg, code, stderr]).toEqual([arg, 0, '']);
    }
  }, 30_000);
});
