/**
 * In a git work tree git does the fingerprint's stat pass (issue 20: `offload status` on 30 000 files): files
 * git vouches for unchanged take their blob id from the index, unstated and unhashed by Node; everything else
 * is stat-ed and hashed as before. The fingerprint must not change with it: each test compares against the
 * content hashed directly (git's blob sha1 of the raw bytes), and the stat cache shows which path was taken.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeFingerprint, type Fingerprint } from '../../main/core/workflow/fingerprint';
import { warmGitListing } from '../../main/core/workflow/fingerprint-git';
import { gitRepo, removeAfterSuite, tempFolder } from '../helpers/git-repo';

const repo = gitRepo;

/** What the fingerprint's content id of a regular file is: git's blob sha1 of its raw bytes. */
const blobId = (bytes: string | Buffer) =>
  crypto
    .createHash('sha1')
    .update(`blob ${Buffer.byteLength(bytes)}\0`)
    .update(bytes)
    .digest('hex');

afterEach(() => vi.restoreAllMocks());

/**
 * The files Node stats for the fingerprint while `run` computes one of `dir` (relative paths, sorted). The
 * look before git runs at the files git reads (a `.gitignore` that is a FIFO: boundary/git-config.ts) is not
 * the fingerprint's stat pass, and is left out.
 */
async function statedBy<T>(dir: string, run: () => Promise<T>): Promise<{ result: T; stated: string[] }> {
  const lstat = fs.lstatSync;
  const stated: string[] = [];
  const spy = vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
    if (!new Error().stack?.includes('git-config')) stated.push(path.relative(dir, String(p)));
    return lstat(p, o);
  }) as typeof fs.lstatSync);
  const result = await run();
  spy.mockRestore();
  return { result, stated: [...new Set(stated.filter((rel) => !rel.startsWith('..')))].sort() };
}

function expectRaw(dir: string, fp: Fingerprint): void {
  for (const [rel, id] of fp.manifest) {
    const abs = path.join(dir, rel);
    if (!fs.lstatSync(abs).isSymbolicLink()) expect(id, rel).toBe(blobId(fs.readFileSync(abs)));
  }
}

describe.runIf(process.platform !== 'win32')('the fingerprint with git doing the stat pass', () => {
  it('hashes in Node only what git reports changed or untracked, with the same ids as hashing everything', async () => {
    const { dir, git } = repo({
      'app.py': 'print(1)\n',
      'same-size.py': 'aaaa\n',
      'touched.py': 'x = 1\n',
      'gone.py': 'bye\n',
      'assumed.py': 'old\n',
      'sub/lib.py': 'def f(): pass\n',
      '.gitignore': 'ignored.log\n',
    });
    fs.symlinkSync('app.py', path.join(dir, 'link.py'));
    fs.writeFileSync(path.join(dir, 'same-size.py'), 'bbbb\n'); // same size, same second: git's racy check
    fs.utimesSync(path.join(dir, 'touched.py'), new Date(), new Date(Date.now() + 5000)); // new mtime, same bytes
    fs.rmSync(path.join(dir, 'gone.py'));
    git('update-index', '--assume-unchanged', 'assumed.py'); // git would not look at it again
    fs.writeFileSync(path.join(dir, 'assumed.py'), 'new!\n');
    fs.writeFileSync(path.join(dir, 'new.py'), 'print(3)\n');
    fs.writeFileSync(path.join(dir, 'ignored.log'), 'noise\n');
    const stateDir = tempFolder('offload-fp-git-state-');

    const { result: fp, stated } = await statedBy(dir, () =>
      computeFingerprint({ dir, configHash: 'c', stateDir }),
    );
    expect(fp.source).toBe('git');
    expect([...fp.manifest.keys()].sort()).toEqual(
      [
        '.gitignore',
        'app.py',
        'assumed.py',
        'link.py',
        'new.py',
        'same-size.py',
        'sub/lib.py',
        'touched.py',
      ].sort(),
    );
    expectRaw(dir, fp);
    expect(fp.manifest.get('same-size.py')).toBe(blobId('bbbb\n'));
    // Only what git did not vouch for was stat-ed (and hashed) by Node.
    expect(stated).toEqual(['assumed.py', 'gone.py', 'link.py', 'new.py', 'same-size.py']);

    // The same tree with git's ids refused (a filter driver is configured): the same fingerprint.
    execFileSync('git', ['config', 'filter.none.clean', 'cat'], { cwd: dir });
    const slow = await computeFingerprint({ dir, configHash: 'c' });
    expect(slow.value).toBe(fp.value);
    expect([...slow.manifest]).toEqual([...fp.manifest]);
  });

  it('asked ahead (offload status: warmGitListing), the same listing; a change made before the listing is seen', async () => {
    const { dir } = repo({ 'a.py': 'one\n', 'b.py': 'two\n' });
    const plain = await computeFingerprint({ dir, configHash: 'c' });
    warmGitListing(dir);
    const warmed = await computeFingerprint({ dir, configHash: 'c' });
    expect(warmed.value).toBe(plain.value);
    expect(warmed.source).toBe('git');
    // the answers are taken once: a later fingerprint asks git again and sees what changed since
    fs.writeFileSync(path.join(dir, 'b.py'), 'changed\n');
    const later = await computeFingerprint({ dir, configHash: 'c' });
    expect(later.value).not.toBe(plain.value);
    expect(later.manifest.get('b.py')).toBe(blobId('changed\n'));
    // with a filter configured the stat pass is never started ahead: git would run the filter's program on a
    // file whose stat changed (plain `ls-files -m` does: the marker shows the check can fail)
    const marker = path.join(tempFolder('offload-fp-git-marker-'), 'ran');
    const evil = path.join(path.dirname(marker), 'evil.sh');
    fs.writeFileSync(evil, `#!/bin/sh\necho ran >> "${marker}"\ncat\n`, { mode: 0o755 });
    execFileSync('git', ['config', 'filter.evil.clean', evil], { cwd: dir });
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.py filter=evil\n');
    fs.utimesSync(path.join(dir, 'a.py'), new Date(), new Date(Date.now() + 7000)); // stat changed, bytes not
    warmGitListing(dir);
    const filtered = await computeFingerprint({ dir, configHash: 'c' });
    expect(filtered.manifest.get('a.py')).toBe(blobId('one\n'));
    expect(fs.existsSync(marker)).toBe(false);
    execFileSync('git', ['ls-files', '-m'], { cwd: dir });
    expect(fs.existsSync(marker)).toBe(true);
  });

  it('reads a listing that spans many output chunks, odd path bytes included, as git names the files', async () => {
    // 500 entries of long names are ~150 KB of listing: records and debug lines fall across chunk boundaries
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i++)
      files[`d${i % 7}/${'long-name-'.repeat(8)}f ${i}\t\u00e9\u6f22.txt`] = `v${i}\n`;
    const { dir } = repo(files);
    fs.writeFileSync(path.join(dir, 'd3', `${'long-name-'.repeat(8)}f 3\t\u00e9\u6f22.txt`), 'changed\n');
    fs.writeFileSync(path.join(dir, 'untracked \u00fc.txt'), 'new\n');
    const { result: fp, stated } = await statedBy(dir, () => computeFingerprint({ dir, configHash: 'c' }));
    expect(fp.source).toBe('git');
    expect([...fp.manifest.keys()].filter((k) => !(k in files))).toEqual(['untracked \u00fc.txt']);
    expect(fp.manifest.size).toBe(501);
    expectRaw(dir, fp);
    // git vouched for every other file: Node stat-ed only the changed and the untracked one
    expect(stated).toEqual([`d3/${'long-name-'.repeat(8)}f 3\t\u00e9\u6f22.txt`, 'untracked \u00fc.txt']);
    execFileSync('git', ['config', 'filter.none.clean', 'cat'], { cwd: dir });
    expect((await computeFingerprint({ dir, configHash: 'c' })).value).toBe(fp.value);
  });

  it('a deleted file whose content moved to one added with -N is still seen gone (diff.renames pairs no names)', async () => {
    const { dir, git } = repo({
      'old.txt': Array.from({ length: 200 }, (_, n) => `${n}\n`).join(''),
      'keep.txt': 'x\n',
    });
    git('config', 'diff.renames', 'copies');
    fs.renameSync(path.join(dir, 'old.txt'), path.join(dir, 'new.txt'));
    git('add', '-N', 'new.txt');
    const fp = await computeFingerprint({
      dir,
      configHash: 'c',
      stateDir: tempFolder('offload-fp-git-state-'),
    });
    expect(fp.source).toBe('git');
    expect([...fp.manifest.keys()].sort()).toEqual(['keep.txt', 'new.txt']);
    expectRaw(dir, fp);
  });

  it('a project in a subfolder of the repository lists only its own files, relative to it', async () => {
    const { dir } = repo({ 'outside.py': '1\n', 'svc/app.py': '2\n', 'svc/pkg/mod.py': '3\n' });
    const stateDir = tempFolder('offload-fp-git-state-');
    const svc = path.join(dir, 'svc');
    const { result: fp, stated } = await statedBy(svc, () =>
      computeFingerprint({ dir: svc, configHash: 'c', stateDir }),
    );
    expect([...fp.manifest.keys()]).toEqual(['app.py', 'pkg/mod.py']);
    expectRaw(svc, fp);
    expect(stated).toEqual([]);
  });

  it("a decoy .git folder in the project (no repository, a copy of the real index) does not stand for git's", async () => {
    const { dir } = repo({ 'svc/app.py': '2\n', 'svc/pkg/mod.py': '3\n' });
    const svc = path.join(dir, 'svc');
    // svc/.git is the nearest .git folder, but no repository: git uses the real one above, and so must the fingerprint
    fs.mkdirSync(path.join(svc, '.git'));
    fs.copyFileSync(path.join(dir, '.git', 'index'), path.join(svc, '.git', 'index'));
    fs.writeFileSync(path.join(svc, 'app.py'), '2 changed\n');
    const fp = await computeFingerprint({
      dir: svc,
      configHash: 'c',
      stateDir: tempFolder('offload-fp-decoy-'),
    });
    expect([...fp.manifest.keys()]).toEqual(['app.py', 'pkg/mod.py']);
    expectRaw(svc, fp);
  });

  it("an attributes file above the project folder makes git's ids unusable too (CRLF stored as LF)", async () => {
    const { dir } = repo({
      '.gitattributes': '* text=auto\n',
      'svc/win.txt': 'a\r\nb\r\n',
      'svc/app.py': '1\n',
    });
    const svc = path.join(dir, 'svc');
    const fp = await computeFingerprint({ dir: svc, configHash: 'c' });
    expect([...fp.manifest.keys()]).toEqual(['app.py', 'win.txt']);
    // git's index holds the LF blob; the fingerprint is of the bytes that would be deployed
    expect(fp.manifest.get('win.txt')).toBe(blobId('a\r\nb\r\n'));
    expectRaw(svc, fp);
  });

  it.each([
    ['version 4 (paths prefix-compressed)', ['update-index', '--index-version', '4']],
    ['split (read through git instead)', ['update-index', '--split-index']],
  ])('an index of %s gives the same fingerprint, changes seen', async (_, args) => {
    const files: Record<string, string> = { '.gitignore': 'out/\n' };
    for (let i = 0; i < 40; i++) files[`pkg/m${i % 4}/\u00e9 file-${i}.py`] = `v = ${i}\n`;
    const { dir, git } = repo(files);
    const before = await computeFingerprint({ dir, configHash: 'c' });
    git(...args);
    fs.writeFileSync(path.join(dir, 'pkg/m1/\u00e9 file-5.py'), 'v = 55\n'); // same size, same second
    fs.writeFileSync(path.join(dir, 'new.py'), 'n\n');
    const { result: fp, stated } = await statedBy(dir, () => computeFingerprint({ dir, configHash: 'c' }));
    expect(fp.value).not.toBe(before.value);
    expectRaw(dir, fp);
    expect(stated).toEqual(['new.py', 'pkg/m1/\u00e9 file-5.py']);
    execFileSync('git', ['config', 'filter.none.clean', 'cat'], { cwd: dir });
    expect((await computeFingerprint({ dir, configHash: 'c' })).value).toBe(fp.value);
  });

  it("an attributes file (CRLF stored as LF) makes git's ids unusable: raw bytes are hashed, as before (a guard)", async () => {
    const { dir } = repo({ '.gitattributes': '* text=auto\n', 'win.txt': 'a\r\nb\r\n' });
    const stateDir = tempFolder('offload-fp-git-state-');
    const fp = await computeFingerprint({ dir, configHash: 'c', stateDir });
    expect(fp.manifest.get('win.txt')).toBe(blobId('a\r\nb\r\n'));
    expectRaw(dir, fp);
  });
});

describe.runIf(process.platform === 'linux')("git's stat pass under a hostile repository config", () => {
  it('core.fsmonitor and hooks the repository names are not run when git vouches for files', async () => {
    const { dir, git } = repo({ 'app.py': 'print(1)\n' });
    const marker = path.join(dir, '..', `${path.basename(dir)}-ran`);
    removeAfterSuite(marker);
    const evil = path.join(dir, 'evil.sh');
    fs.writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> "${marker}"\n`, { mode: 0o755 });
    git('config', 'core.fsmonitor', evil);
    git('config', 'core.hooksPath', dir);
    fs.writeFileSync(path.join(dir, 'app.py'), 'print(2)\n');
    const fp = await computeFingerprint({ dir, configHash: 'c' });
    expect(fp.manifest.get('app.py')).toBe(blobId('print(2)\n'));
    expect(fs.existsSync(marker)).toBe(false);
    // The check can fail: plain git in the same repository does run it.
    execFileSync('git', ['status', '--porcelain'], { cwd: dir });
    expect(fs.existsSync(marker)).toBe(true);
  });
});
