/**
 * A repository can arrive as a zip or tarball with its own .git: its index may name any path git itself would
 * never write. The fingerprint must hash only files under the project folder, never read through a folder
 * that is a symbolic link to elsewhere, and not hang on a FIFO or device the index names as a file.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runGit as runProjectGit } from '../../main/core/boundary/git';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';
import { readIndex } from '../../main/core/workflow/fingerprint-index';
import { runGit } from '../../main/core/platform/git';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
afterEach(() => vi.restoreAllMocks());

/** A version 2 index of `entries` (mode, blob id, path), stat data zero, with a valid checksum. */
function craftIndex(entries: [mode: number, id: string, path: string][]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a[2]), Buffer.from(b[2])));
  const parts = sorted.map(([mode, id, p]) => {
    const name = Buffer.from(p);
    const fixed = Buffer.alloc(62);
    fixed.writeUInt32BE(mode, 24);
    fixed.writeUInt32BE(5, 36);
    Buffer.from(id, 'hex').copy(fixed, 40);
    fixed.writeUInt16BE(Math.min(name.length, 0xfff), 60);
    const length = (62 + name.length + 8) & ~7;
    return Buffer.concat([fixed, name, Buffer.alloc(length - 62 - name.length)]);
  });
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(sorted.length, 8);
  const body = Buffer.concat([header, ...parts]);
  return Buffer.concat([body, crypto.createHash('sha1').update(body).digest()]);
}

/** Every path fs was asked to open, stat or read during `run`. */
async function touched<T>(run: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const paths: string[] = [];
  for (const name of ['openSync', 'lstatSync', 'statSync', 'readlinkSync', 'readFileSync'] as const) {
    const original = fs[name] as (...a: unknown[]) => unknown;
    vi.spyOn(fs, name).mockImplementation(((...a: unknown[]) => {
      if (typeof a[0] === 'string') paths.push(path.resolve(a[0]));
      return original(...a);
    }) as never);
  }
  const result = await run();
  return { result, paths };
}

describe.runIf(process.platform === 'linux')('a crafted index', () => {
  it('names outside the project, through a linked folder, under .git or on a FIFO are neither read nor listed', async () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-crafted-'));
    roots.push(top);
    const dir = path.join(top, 'proj');
    const outside = path.join(top, 'outside');
    fs.mkdirSync(dir);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
    fs.symlinkSync(outside, path.join(outside, 'link'));
    execFileSync('git', ['init', '-q'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'hi\n');
    fs.symlinkSync(outside, path.join(dir, 'linkdir'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const id = execFileSync('git', ['hash-object', '-w', 'a.txt'], { cwd: dir, encoding: 'utf8' }).trim();
    const names = [
      'a.txt',
      '../outside/secret.txt',
      'linkdir/secret.txt',
      '.git/config',
      `${outside}/secret.txt`,
    ];
    fs.writeFileSync(
      path.join(dir, '.git', 'index'),
      craftIndex([
        ...names.map((n): [number, string, string] => [0o100644, id, n]),
        [0o120000, id, '../outside/link'],
        [0o100644, id, 'pipe'],
        [0o100644, id, 'sub/../../outside/secret.txt'],
      ]),
    );
    // git's path on PATH is looked up once a process: looked up now, so what is watched is the index's names
    await runProjectGit(dir, ['--version']);
    const { result, paths } = await touched(() => computeFingerprint({ dir, configHash: 'c' }));
    expect([...result.manifest.keys()]).toEqual(['a.txt', 'linkdir']);
    expect(paths.filter((p) => !p.startsWith(`${dir}/`) && p !== dir)).toEqual([]);
    expect(paths.filter((p) => p.startsWith(path.join(dir, 'linkdir/')))).toEqual([]);
  });

  it('a sparse 512 MB index (holes: free to make) is refused without being read into memory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-sparse-'));
    roots.push(dir);
    const file = path.join(dir, 'index');
    const header = craftIndex([]);
    fs.writeFileSync(file, header);
    fs.truncateSync(file, 512 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    expect(readIndex(file, '', 1024)).toBeUndefined();
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});

/** A version 4 index of `count` entries, each one byte longer than the one before (prefix compression). */
function growingV4Index(count: number): Buffer {
  const fixed = Buffer.alloc(62);
  fixed.writeUInt32BE(0o100644, 24);
  const one = Buffer.concat([fixed, Buffer.from([0]), Buffer.from('a\0')]);
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(4, 4);
  header.writeUInt32BE(count, 8);
  const body = Buffer.concat([header, ...Array.from({ length: count }, () => one)]);
  return Buffer.concat([body, crypto.createHash('sha1').update(body).digest()]);
}

describe.runIf(process.platform === 'linux')('a crafted version 4 index', () => {
  it('paths grown past PATH_MAX by prefix compression are refused, not built (quadratic memory)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-v4-'));
    roots.push(dir);
    // 6 000 entries in 390 KB: 18 M characters of paths (40 000 in 2.6 MB were 1.2 GB of memory)
    fs.writeFileSync(path.join(dir, 'index'), growingV4Index(6000));
    expect(readIndex(path.join(dir, 'index'), '', 1024)).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('a repository that makes git block', () => {
  const fifoRepo = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-fifo-'));
    roots.push(dir);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    return dir;
  };

  // Bounded by the test's own limit (10 s), well under git's 20 s: a fingerprint that waited on git fails it.
  it(
    'an index that is a FIFO: the fingerprint is made without git, at once, instead of hanging',
    { timeout: 10_000 },
    async () => {
      const dir = fifoRepo();
      execFileSync('mkfifo', [path.join(dir, '.git', 'index')]);
      const fp = await computeFingerprint({ dir, configHash: 'c' });
      expect(fp.source).toBe('content');
      expect([...fp.manifest.keys()]).toEqual(['a.txt']);
      expect(readIndex(path.join(dir, '.git', 'index'), '', 1024)).toBeUndefined();
    },
  );

  it('a config include that is a FIFO: git is killed at its time limit, never waited on for ever', async () => {
    const dir = fifoRepo();
    execFileSync('mkfifo', [path.join(dir, '.git', 'blocks')]);
    execFileSync('git', ['config', 'include.path', 'blocks'], { cwd: dir });
    const r = await runGit(dir, ['rev-parse', '--show-prefix'], { timeoutMs: 300 });
    expect(r).toMatchObject({ code: -1, timedOut: true });
  });
});
