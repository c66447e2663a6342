import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRIVATE_FILE, writeFileAtomic } from '../../main/core/platform/atomic-file';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-atomic-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = path.join(root, `d${++n}`);
  fs.mkdirSync(d);
  return d;
};
const modeOf = (f: string) => fs.statSync(f).mode & 0o777;
const posix = process.platform !== 'win32';

describe('writeFileAtomic', () => {
  it('writes the content exactly, text and bytes, and leaves nothing else in the folder', () => {
    const dir = freshDir();
    const file = path.join(dir, 'a.txt');
    writeFileAtomic(file, 'héllo\r\nwörld\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('héllo\r\nwörld\n');
    const bytes = Buffer.from([0, 255, 10, 13, 0x80, 0]);
    writeFileAtomic(file, bytes);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    writeFileAtomic(file, '');
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    expect(fs.readdirSync(dir)).toEqual(['a.txt']);
  });

  it('creates missing folders (with dirMode) and new files with the given mode', () => {
    const file = path.join(freshDir(), 'x', 'y', 'state.json');
    writeFileAtomic(file, '{}', PRIVATE_FILE);
    expect(fs.readFileSync(file, 'utf8')).toBe('{}');
    if (posix) {
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(path.dirname(file))).toBe(0o700);
    }
  });

  it.skipIf(!posix)('keeps the mode of the file it replaces, even one the umask would narrow', () => {
    const dir = freshDir();
    for (const mode of [0o755, 0o640, 0o666, 0o600]) {
      const file = path.join(dir, `m${mode.toString(8)}`);
      fs.writeFileSync(file, 'old');
      fs.chmodSync(file, mode);
      writeFileAtomic(file, 'new', { mode: 0o600 });
      expect(fs.readFileSync(file, 'utf8')).toBe('new');
      expect(modeOf(file)).toBe(mode);
    }
  });

  it('a failing write leaves no temp file and the original as it was', () => {
    const dir = freshDir();
    const file = path.join(dir, 'keep.txt');
    fs.writeFileSync(file, 'original');
    // Data the write refuses: the temp file exists by then and must go.
    expect(() => writeFileAtomic(file, 42 as unknown as string)).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
    expect(fs.readFileSync(file, 'utf8')).toBe('original');
    // A rename that fails (the target is a folder): the written temp file must go.
    const target = path.join(dir, 'folder');
    fs.mkdirSync(target);
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(fs.readdirSync(dir).sort()).toEqual(['folder', 'keep.txt']);
  });
});
