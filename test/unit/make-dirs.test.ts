/**
 * makeDirs, the one way Offload makes folders: what `mkdirSync(…, { recursive: true })` does, without its
 * endless loop below /proc. Real folders; /proc where the system has one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../main/core/platform/make-dirs';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-make-dirs-'));
  roots.push(d);
  return d;
};

describe('makeDirs', () => {
  it('makes the missing folders with the mode asked, and leaves an existing one as it is', () => {
    const root = temp();
    const deep = path.join(root, 'a', 'b', 'c');
    makeDirs(deep, 0o700);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    if (process.platform !== 'win32') expect(fs.statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700);
    fs.chmodSync(deep, 0o755);
    makeDirs(deep, 0o700);
    if (process.platform !== 'win32') expect(fs.statSync(deep).mode & 0o777).toBe(0o755);
  });

  it('a file in the way is ENOTDIR, in words', () => {
    const root = temp();
    fs.writeFileSync(path.join(root, 'f'), '');
    expect(() => makeDirs(path.join(root, 'f', 'x'))).toThrow(
      expect.objectContaining({
        code: 'ENOTDIR',
        message: `cannot make the folder ${path.join(root, 'f')}: a file stands where the folder would be (ENOTDIR)`,
      }),
    );
  });

  it.runIf(fs.existsSync('/proc/self'))(
    'below /proc it fails at once (Node’s recursive mkdir spins there)',
    () => {
      expect(() => makeDirs('/proc/offload-nope/x', 0o700)).toThrow(
        'cannot make the folder /proc/offload-nope: /proc takes no new folders (a system folder such as /proc) (ENOENT)',
      );
    },
  );
});
