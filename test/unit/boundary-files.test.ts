/**
 * The bounded reader of project-named files on real files: a FIFO is refused by name without blocking, a file
 * over the cap is refused from its size, a line longer than the cap is skipped without being decoded, and a
 * log that never writes a newline cannot grow memory.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachLine, readProjectFile, TextTail } from '../../main/core/boundary/files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-boundary-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readProjectFile', () => {
  it.runIf(process.platform === 'linux')(
    'refuses a FIFO by name, at once (no writer: a plain open blocks)',
    () => {
      const fifo = path.join(dir, 'pipe.env');
      execFileSync('mkfifo', [fifo]);
      expect(() => readProjectFile(fifo, { maxBytes: 1024, what: 'switch file' })).toThrow(
        `switch file ${fifo} is a named pipe (FIFO), not a regular file; Offload reads only regular files here, it was not read`,
      );
    },
  );

  it('refuses a file over the cap from its size, reads one under it, and says when one is missing', () => {
    const big = path.join(dir, 'big.env');
    fs.writeFileSync(big, 'A=1\n');
    fs.truncateSync(big, 300 * 1024 * 1024);
    expect(() => readProjectFile(big, { maxBytes: 4 * 1024 * 1024, what: 'switch file' })).toThrow(
      `switch file ${big} is 300 MiB, over the 4.0 MiB Offload reads of a switch file; it was not read`,
    );
    const small = path.join(dir, 'small.env');
    fs.writeFileSync(small, 'A=1\n');
    expect(readProjectFile(small, { maxBytes: 4, what: 'switch file' }).toString()).toBe('A=1\n');
    expect(() => readProjectFile(path.join(dir, 'none'), { maxBytes: 4, what: 'manifest' })).toThrow(
      `manifest ${path.join(dir, 'none')} does not exist`,
    );
  });

  it('refuses a symbolic link when asked not to follow one', () => {
    const link = path.join(dir, 'link.env');
    fs.symlinkSync('small.env', link);
    expect(() => readProjectFile(link, { maxBytes: 64, what: 'source file', noFollow: true })).toThrow(
      'is a symbolic link',
    );
    expect(readProjectFile(link, { maxBytes: 64, what: 'switch file' }).toString()).toBe('A=1\n');
  });
});

describe('forEachLine', () => {
  it('skips a line over the cap without decoding it; the lines around it come through', () => {
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, `first\n${'x'.repeat(200_000)}\nthird\nlast`);
    const fd = fs.openSync(file, 'r');
    const lines: (string | undefined)[] = [];
    forEachLine(fd, 1000, (l) => lines.push(l), 4096);
    fs.closeSync(fd);
    expect(lines).toEqual(['first', undefined, 'third', 'last']);
  });
});

describe('TextTail', () => {
  it('cuts a line that never ends at maxLine and resumes at the next newline', () => {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'ERROR one\n' + 'y'.repeat(50_000));
    const fd = fs.openSync(file, 'r');
    const tail = new TextTail({ maxLine: 100, maxRead: 8192 });
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push(...tail.read(fd));
    fs.appendFileSync(file, 'yyy\nERROR two\n');
    for (let i = 0; i < 3; i++) seen.push(...tail.read(fd));
    fs.closeSync(fd);
    expect(seen).toEqual(['ERROR one', 'y'.repeat(100), 'ERROR two']);
  });
});
