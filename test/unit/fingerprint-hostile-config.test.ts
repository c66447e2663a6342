/**
 * A repository arrives with its own .git (a zip, a tarball): its local config and ignored files must not make
 * git's stat pass vouch for a changed file (the gate would let an untested change deploy). Each case changes a
 * tracked file's bytes at the same size, its mtime put back, and expects the fingerprint to change.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A committed repository whose files' mtimes are an hour old (not racily clean), with `config` set locally. */
function repo(files: Record<string, string>, config: string[][] = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-hostile-'));
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-hostile-state-'));
  roots.push(dir, state);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  git('init', '-q');
  for (const c of config) git('config', ...c);
  const old = new Date(Date.now() - 3600_000);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
    fs.utimesSync(path.join(dir, rel), old, old);
  }
  git('add', '-A');
  git('commit', '-qm', 'init');
  return { dir, git, state };
}

/** Rewrites a file to other bytes of the same size and puts its mtime back (`cp -p`, `rsync -t`, `tar x`). */
function rewriteKeepingMtime(file: string, text: string) {
  const st = fs.statSync(file);
  fs.writeFileSync(file, text);
  fs.utimesSync(file, st.atime, st.mtime);
}

/** git compares whole-second ctimes: a rewrite in the second of the commit is not a case config can fix. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));

describe.runIf(process.platform !== 'win32')("the repository's own config cannot hide a change", () => {
  it('core.checkStat=minimal with core.trustctime=false: a same-size rewrite with its mtime put back is seen', async () => {
    const r = repo({ 'app.py': 'one\n' }, [
      ['core.checkStat', 'minimal'],
      ['core.trustctime', 'false'],
    ]);
    const before = await computeFingerprint({ dir: r.dir, configHash: 'c', stateDir: r.state });
    await nextSecond();
    rewriteKeepingMtime(path.join(r.dir, 'app.py'), 'two\n');
    const fresh = await computeFingerprint({ dir: r.dir, configHash: 'c' });
    const kept = await computeFingerprint({ dir: r.dir, configHash: 'c', stateDir: r.state });
    expect(fresh.value).not.toBe(before.value);
    expect(kept.value).toBe(fresh.value);
  });

  it('an ignored .gitattributes (ident) cannot make two different files read as the same blob', async () => {
    // present (and ignored) when the files were added: the blob is `$Id$`, the file `$Id: aaaa $`
    const r = repo({
      '.gitignore': '.gitattributes\n',
      '.gitattributes': '* ident\n',
      'svc/.gitattributes': '* ident\n',
      'svc/app.py': '$Id: aaaa $\n',
    });
    const dirs = [r.dir, path.join(r.dir, 'svc')]; // the project at the top and in a subfolder
    const before = await Promise.all(dirs.map((dir) => computeFingerprint({ dir, configHash: 'c' })));
    await nextSecond(); // git then compares the content, through the attributes
    rewriteKeepingMtime(path.join(r.dir, 'svc/app.py'), '$Id: bbbb $\n');
    const after = await Promise.all(dirs.map((dir) => computeFingerprint({ dir, configHash: 'c' })));
    expect(after[0]!.value).not.toBe(before[0]!.value);
    expect(after[1]!.value).not.toBe(before[1]!.value);
    // the ignored attributes files stay out of the fingerprint itself
    expect([...after[0]!.manifest.keys()]).toEqual(['.gitignore', 'svc/app.py']);
    expect([...after[1]!.manifest.keys()]).toEqual(['app.py']);
  });
});
