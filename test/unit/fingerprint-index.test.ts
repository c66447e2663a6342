/**
 * The fingerprint reads git's index file itself (issue 20: `offload status` on 30 000 files, where printing the
 * index with `ls-files --debug` cost git twice its stat pass). Each index version git writes must read as git
 * lists it, every entry git would not vouch for marked for Node to hash, and indexes of another shape refused.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexIdentity, readIndex } from '../../main/core/workflow/fingerprint-index';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const EXOTIC = `svc/\u00e9\u6f22 ${'long-name-'.repeat(12)}.py`;

/** A repository with one entry of every kind the reader tells apart. */
function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-index-'));
  roots.push(dir);
  git(dir, 'init', '-q');
  const files: Record<string, string> = {
    'top.py': '1\n',
    'svc/app.py': 'print(1)\n',
    'svc/run.sh': '#!/bin/sh\n',
    'svc/big.bin': 'x'.repeat(100),
    'svc/skipped.py': 'skip\n',
    'svc/assumed.py': 'assumed\n',
    'svc/sub/deep.py': 'deep\n',
    'svc/conflict.py': 'base\n',
    [EXOTIC]: 'exotic\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.chmodSync(path.join(dir, 'svc/run.sh'), 0o755);
  fs.symlinkSync('app.py', path.join(dir, 'svc/link.py'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'init');
  fs.writeFileSync(path.join(dir, 'svc/later.py'), 'intent\n');
  git(dir, 'add', '-N', 'svc/later.py');
  git(dir, 'update-index', '--skip-worktree', 'svc/skipped.py');
  git(dir, 'update-index', '--assume-unchanged', 'svc/assumed.py');
  git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},svc/module`);
  // an unmerged path: stages 1-3 in place of stage 0
  const id = git(dir, 'rev-parse', ':svc/conflict.py').trim();
  execFileSync('git', ['update-index', '--index-info'], {
    cwd: dir,
    input: `0 ${'0'.repeat(40)}\tsvc/conflict.py\n${[1, 2, 3].map((s) => `100644 ${id} ${s}\tsvc/conflict.py`).join('\n')}\n`,
  });
  return dir;
}

/** What the reader must answer under `svc/`: git's id for plain small stage-0 files, '' for the rest. */
function expected(dir: string, maxBytes: number, alsoPlain: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const plain = new Set(['app.py', 'run.sh', 'sub/deep.py', EXOTIC.slice(4), ...alsoPlain]);
  for (const rec of git(dir, 'ls-files', '-s', '-z', '--', 'svc').split('\0').filter(Boolean)) {
    const [meta, full] = rec.split('\t') as [string, string];
    const rel = full.slice(4);
    const id = meta.split(' ')[1]!;
    const small = fs.statSync(path.join(dir, full), { throwIfNoEntry: false })?.size ?? 0;
    out.set(rel, plain.has(rel) && small <= maxBytes ? id : (out.get(rel) ?? ''));
  }
  return out;
}

describe.runIf(process.platform !== 'win32')("reading git's index", () => {
  it.each([2, 3, 4])('index version %i reads as git lists it, only plain files vouched for', (version) => {
    const dir = repo();
    // version 2 has no extended flags: git keeps 3 while any entry is skip-worktree or intent-to-add
    if (version === 2) {
      git(dir, 'update-index', '--no-skip-worktree', 'svc/skipped.py');
      git(dir, 'rm', '-q', '--cached', 'svc/later.py');
    }
    git(dir, 'update-index', '--index-version', String(version));
    const index = path.join(dir, '.git', 'index');
    expect(fs.readFileSync(index).readUInt32BE(4)).toBe(version);
    const read = readIndex(index, 'svc/', 50);
    expect(read).toBeDefined();
    expect(new Map([...read!.files].sort())).toEqual(
      new Map([...expected(dir, 50, version === 2 ? ['skipped.py'] : [])].sort()),
    );
    expect(read!.files.get('big.bin')).toBe(''); // over maxBytes
    expect(read!.files.get('app.py')).toMatch(/^[0-9a-f]{40}$/);
    expect(read!.attributes).toBe(false);
    // the whole repository, no prefix: paths as git names them
    expect([...readIndex(index, '', 1 << 20)!.files.keys()].sort()).toEqual(
      [...new Set(git(dir, 'ls-files', '-z').split('\0').filter(Boolean))].sort(),
    );
  });

  it('a .gitattributes anywhere in the repository is reported, even outside the project folder', () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, '.gitattributes'), '* text=auto\n');
    git(dir, 'add', '.gitattributes');
    expect(readIndex(path.join(dir, '.git', 'index'), 'svc/', 50)!.attributes).toBe(true);
  });

  it('a split index, a truncated or foreign file is refused (undefined), never misread', () => {
    const dir = repo();
    const index = path.join(dir, '.git', 'index');
    const whole = fs.readFileSync(index);
    fs.writeFileSync(path.join(dir, 'cut'), whole.subarray(0, whole.length - 200));
    expect(readIndex(path.join(dir, 'cut'), '', 50)).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'foreign'), 'not an index at all, just some text here\n');
    expect(readIndex(path.join(dir, 'foreign'), '', 50)).toBeUndefined();
    expect(readIndex(path.join(dir, 'missing'), '', 50)).toBeUndefined();
    git(dir, 'update-index', '--split-index');
    expect(readIndex(index, '', 50)).toBeUndefined();
  });

  it("the index's identity changes when git replaces it", () => {
    const dir = repo();
    const index = path.join(dir, '.git', 'index');
    const before = readIndex(index, '', 50)!.identity;
    expect(indexIdentity(index)).toBe(before);
    fs.writeFileSync(path.join(dir, 'top.py'), '2\n');
    git(dir, 'add', 'top.py');
    expect(indexIdentity(index)).not.toBe(before);
  });
});
