// Issue 20: the process scan reads /proc/<pid>/exe only for a command line that names a model server, once
// per process (pid + start), and never lets a link read from a process that took over the pid vouch for
// the one it replaced. Real processes and /proc, and a /proc root of real files where pid reuse is staged.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { classify, parseModelsConfig } from '../../main/core/machine';
import { findModelServers } from '../../main/core/machine/models';
import { createLinuxProcessReader } from '../../main/core/platform/proc-linux';
import { fixtureSandbox, waitFor } from './machine-helpers';

const models = parseModelsConfig(undefined);
const exeReadsOf = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map((c) => String(c[0])).filter((p) => p.endsWith('/exe'));

describe.runIf(process.platform === 'linux')(
  'process scan: the executable link, read only when it decides',
  () => {
    const box = fixtureSandbox('offload-scan-');
    afterAll(() => box.cleanup());
    afterEach(() => vi.restoreAllMocks());

    it('a scan reads the link of model-server command lines only, each once while the process runs', async () => {
      const server = await box.start('llama-server', ['--port', '0', '-m', 'scan.gguf']);
      const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      const reader = createLinuxProcessReader();
      try {
        const spy = vi.spyOn(fs, 'readlinkSync');
        const procs = await reader.scan();
        const found = findModelServers(procs, models, process.pid).map((f) => f.proc.pid);
        expect(found).toContain(server.pid);
        const candidates = new Set(procs.filter((p) => classify(p.argv)).map((p) => `/proc/${p.pid}/exe`));
        const reads = exeReadsOf(spy);
        expect(reads).toContain(`/proc/${server.pid}/exe`);
        expect(reads).not.toContain(`/proc/${sleeper.pid}/exe`);
        expect(reads.filter((r) => !candidates.has(r))).toEqual([]);
        expect(procs.length).toBeGreaterThan(reads.length + 1);
        // The next scan (the server still young: its stat is read again) asks the link no more.
        spy.mockClear();
        const again = await reader.scan();
        expect(findModelServers(again, models, process.pid).map((f) => f.proc.pid)).toContain(server.pid);
        expect(exeReadsOf(spy)).not.toContain(`/proc/${server.pid}/exe`);
      } finally {
        reader.close();
        sleeper.kill('SIGKILL');
      }
    });

    it('a listed process that execs into a model server is identified again, by its new executable', async () => {
      // sh waits for a line, then execs the fixture server (node): same pid and start, new comm and argv.
      const script = path.join(box.dir, 'bin', 'llama-server');
      const child = spawn('sh', ['-c', 'read x; exec "$0" --port 0 -m exec.gguf', script], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      await new Promise((r) => child.once('spawn', r));
      const reader = createLinuxProcessReader();
      try {
        const before = (await reader.scan()).find((p) => p.pid === child.pid)!;
        expect(before.argv[0]).toBe('sh');
        expect(findModelServers([before], models, process.pid)).toEqual([]);
        child.stdin!.write('\n');
        await new Promise((r) => child.stdout!.once('data', r)); // the server is up
        const after = await waitFor(async () =>
          (await reader.scan()).find((p) => p.pid === child.pid && p.argv.includes('exec.gguf')),
        );
        expect(after.start).toBe(before.start);
        expect(after.exe).toBe(fs.realpathSync(process.execPath));
        expect(findModelServers([after], models, process.pid).map((f) => f.cls.server)).toEqual([
          'llama.cpp',
        ]);
      } finally {
        reader.close();
        child.kill('SIGKILL');
      }
    });
  },
);

/** A /proc root of plain files: `uptime` and, per pid, stat, cmdline and an exe link. */
function fakeProc() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fake-proc-'));
  fs.writeFileSync(path.join(root, 'uptime'), '1000.00 10.00\n'); // 100000 ticks: starts near it are young
  const put = (pid: number, comm: string, start: number, argv: string[], exe: string, flags = 0) => {
    const dir = path.join(root, String(pid));
    fs.mkdirSync(dir, { recursive: true });
    const stat = `${pid} (${comm}) S 1 0 0 0 -1 ${flags} ${'0 '.repeat(12)}${start} 0 10 0\n`;
    fs.writeFileSync(path.join(dir, 'stat'), stat);
    fs.writeFileSync(path.join(dir, 'cmdline'), `${argv.join('\0')}\0`);
    fs.rmSync(path.join(dir, 'exe'), { force: true });
    fs.symlinkSync(exe, path.join(dir, 'exe'));
  };
  return { root, put, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

describe('process scan: a pid taken over by another program', () => {
  const proc = fakeProc();
  afterAll(() => proc.cleanup());
  const LLAMA = '/opt/llama.cpp/llama-server';

  it('is identified again from its own command line and executable', async () => {
    proc.put(4242, 'sleep', 99_990, ['sleep', '100'], '/usr/bin/sleep');
    const reader = createLinuxProcessReader(proc.root);
    const first = (await reader.scan()).find((p) => p.pid === 4242)!;
    expect(findModelServers([first], models, 1)).toEqual([]);
    proc.put(4242, 'llama-server', 99_995, [LLAMA, '-m', 'x.gguf'], LLAMA);
    const second = (await reader.scan()).find((p) => p.pid === 4242)!;
    expect(second).toMatchObject({ start: 99_995, argv: [LLAMA, '-m', 'x.gguf'], exe: LLAMA });
    expect(findModelServers([second], models, 1).map((f) => f.proc.pid)).toEqual([4242]);
    reader.close();
  });

  it('a link read after the pid changed hands does not vouch for the process scanned before', async () => {
    proc.put(4343, 'llama-server', 99_990, [LLAMA, '-m', 'y.gguf'], LLAMA);
    const reader = createLinuxProcessReader(proc.root);
    const scanned = (await reader.scan()).find((p) => p.pid === 4343)!;
    // Before anyone asked for its executable, the server ended and another llama-server took the pid.
    proc.put(4343, 'llama-server', 99_999, [LLAMA, '-m', 'other.gguf'], LLAMA);
    expect(scanned.exe).not.toBe(LLAMA);
    expect(findModelServers([scanned], models, 1)).toEqual([]);
    reader.close();
  });
});

describe('process scan: kernel threads', () => {
  const proc = fakeProc();
  afterAll(() => proc.cleanup());

  it('a kernel thread (PF_KTHREAD) is listed without reading a command line or owner for it', async () => {
    // Whatever its cmdline file would say, a kernel thread runs no user program: it is never a model server.
    proc.put(77, 'kworker/0:1', 99_990, ['/opt/llama.cpp/llama-server', '-m', 'k.gguf'], '/x', 0x00208040);
    fs.rmSync(path.join(proc.root, '77', 'exe'));
    const reader = createLinuxProcessReader(proc.root);
    const k = (await reader.scan()).find((p) => p.pid === 77)!;
    expect(k).toMatchObject({ comm: 'kworker/0:1', argv: [], uid: undefined });
    expect(findModelServers([k], models, 1)).toEqual([]);
    expect(reader.ownedByMe(k)).toBe(false);
    reader.close();
  });
});
