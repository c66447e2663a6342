/**
 * A clean git tree's fingerprint kept (issue 20: `offload status` on 30 000 files): while the index is the same
 * file, git's stat pass names nothing and the files Node hashes itself are unchanged, the files' hash of the
 * last fingerprint is used without reading the index. Every change must still show: each case compares with
 * the fingerprint computed afresh (no stat cache, no kept hash) of the same tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';
import { gitRepo, tempFolder } from '../helpers/git-repo';

afterEach(() => vi.restoreAllMocks());

function repo(files: Record<string, string>) {
  const { dir, git } = gitRepo(files);
  const state = tempFolder('offload-fp-state-');
  const kept = () => computeFingerprint({ dir, configHash: 'c', stateDir: state });
  const fresh = () => computeFingerprint({ dir, configHash: 'c' });
  return { dir, git, state, kept, fresh };
}

/** Whether `run` opened the repository's index file. */
async function readsIndex<T>(dir: string, run: () => Promise<T>): Promise<{ result: T; index: boolean }> {
  const spy = vi.spyOn(fs, 'openSync');
  const result = await run();
  const index = spy.mock.calls.some(
    ([p]) => path.resolve(dir, String(p)) === path.join(dir, '.git', 'index'),
  );
  spy.mockRestore();
  return { result, index };
}

/** Files written now count as old enough to cache (the racy-git window is 2 s). */
const later = () => {
  const now = Date.now();
  vi.spyOn(Date, 'now').mockReturnValue(now + 10_000);
};

describe('a clean tree keeps its fingerprint', () => {
  it('the second fingerprint of an unchanged tree is the same value and file list, without reading the index', async () => {
    const r = repo({ 'a.txt': 'a\n', 'src/b.ts': 'export {};\n' });
    const first = await readsIndex(r.dir, r.kept);
    expect(first.index).toBe(true);
    const second = await readsIndex(r.dir, r.kept);
    expect(second.index).toBe(false);
    const fresh = await r.fresh();
    expect(second.result.value).toBe(fresh.value);
    expect([...second.result.manifest]).toEqual([...fresh.manifest]);
  });

  it.runIf(process.platform !== 'win32')(
    'a stat cache someone else could have written is not used: the index is read again',
    async () => {
      const r = repo({ 'a.txt': 'a\n' });
      await r.kept();
      const cache = path.join(r.state, 'fingerprint-cache.json');
      fs.chmodSync(cache, 0o666);
      expect((await readsIndex(r.dir, r.kept)).index).toBe(true);
    },
  );

  it('a tracked file changed to the same size within the same second is seen', async () => {
    const r = repo({ 'a.txt': 'one\n', 'b.txt': 'b\n' });
    const before = (await r.kept()).value;
    expect((await r.kept()).value).toBe(before);
    fs.writeFileSync(path.join(r.dir, 'a.txt'), 'two\n');
    const after = await r.kept();
    expect(after.value).not.toBe(before);
    expect(after.value).toBe((await r.fresh()).value);
  });

  it('an untracked file, a deleted file and a new commit are each seen', async () => {
    const r = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const values = [(await r.kept()).value];
    fs.writeFileSync(path.join(r.dir, 'new.txt'), 'new\n');
    values.push((await r.kept()).value);
    expect(values[1]).toBe((await r.fresh()).value);
    fs.rmSync(path.join(r.dir, 'b.txt'));
    values.push((await r.kept()).value);
    expect(values[2]).toBe((await r.fresh()).value);
    r.git('add', '-A');
    r.git('commit', '-qm', 'two');
    fs.writeFileSync(path.join(r.dir, 'a.txt'), 'A\n');
    r.git('commit', '-qam', 'three');
    values.push((await r.kept()).value);
    expect(values[3]).toBe((await r.fresh()).value);
    expect(new Set(values).size).toBe(4);
  });

  it('a file git skips (assume-unchanged) that Node hashes itself is seen when it changes', async () => {
    const r = repo({ 'a.txt': 'a\n', 'skipped.txt': 'one\n' });
    r.git('update-index', '--assume-unchanged', 'skipped.txt');
    later();
    const before = await r.kept();
    expect((await readsIndex(r.dir, r.kept)).index).toBe(false); // kept: the clean tree's hash is used
    fs.writeFileSync(path.join(r.dir, 'skipped.txt'), 'two, longer\n');
    const after = await r.kept();
    expect(after.value).not.toBe(before.value);
    expect(after.value).toBe((await r.fresh()).value);
    expect(after.manifest.get('skipped.txt')).not.toBe(before.manifest.get('skipped.txt'));
  });

  it('nothing is kept while a file Node hashes itself is too recent to cache', async () => {
    const r = repo({ 'a.txt': 'a\n', 'skipped.txt': 'one\n' });
    r.git('update-index', '--assume-unchanged', 'skipped.txt');
    await r.kept();
    expect((await readsIndex(r.dir, r.kept)).index).toBe(true);
  });
});
