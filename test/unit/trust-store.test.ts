// The trust file on disk: bound to its data folder, private, and damage to it costs only what is damaged.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { grantTrust, readTrust, trustStatus, type TrustSubject } from '../../main/core/trust';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'offload-trust-'));
const subject = (dir: string, digest = 'd'.repeat(64)): TrustSubject => ({
  dir,
  configFile: `${dir}/offload.yml`,
  digest,
  actions: [],
});
const A = subject('/projects/a');
const B = subject('/projects/b');
const C = subject('/projects/c');
const trusted = (data: string, s: TrustSubject) => trustStatus(data, s).trusted;
const mode = (f: string) => fs.statSync(f).mode & 0o777;
const backups = (data: string) => fs.readdirSync(data).filter((f) => f.startsWith('trust.json.damaged-'));

describe.runIf(process.platform !== 'win32')('trust file', () => {
  it('keeps one entry per project, private to the user (file and key)', () => {
    const data = tmp();
    grantTrust(data, A);
    grantTrust(data, B);
    expect(trusted(data, A) && trusted(data, B)).toBe(true);
    expect(trusted(data, C)).toBe(false);
    expect(trustStatus(data, subject(A.dir, 'e'.repeat(64)))).toMatchObject({
      trusted: false,
      reason: 'changed',
    });
    expect(mode(path.join(data, 'trust.json'))).toBe(0o600);
    expect(mode(path.join(data, 'trust.key'))).toBe(0o600);
    // One project per line: the file stays plain JSON.
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(data, 'trust.json'), 'utf8')).projects)).toEqual([
      A.dir,
      B.dir,
    ]);
  });

  it('does not accept an entry copied from another data folder, or moved to another project', () => {
    const mine = tmp();
    const theirs = tmp();
    grantTrust(mine, B);
    grantTrust(theirs, A);
    // Their whole file, copied over mine: their seal is not this folder's.
    fs.copyFileSync(path.join(theirs, 'trust.json'), path.join(mine, 'trust.json'));
    expect(trusted(theirs, A)).toBe(true);
    expect(trusted(mine, A)).toBe(false);
    // Their entry for A, renamed to project C, in their own file: the seal names the folder it was given for.
    const file = path.join(theirs, 'trust.json');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(JSON.stringify(A.dir), JSON.stringify(C.dir)),
    );
    expect(trusted(theirs, C)).toBe(false);
  });

  it('a damaged line costs only that entry; trusting again keeps the others and backs the file up', () => {
    const data = tmp();
    for (const s of [A, B, C]) grantTrust(data, s);
    const file = path.join(data, 'trust.json');
    const before = fs.readFileSync(file, 'utf8');
    const lines = before.split('\n');
    lines[2] = lines[2]!.slice(0, 40); // B's line cut mid-way, as a crash or a bad editor would
    fs.writeFileSync(file, lines.join('\n'));
    expect(readTrust(data).damaged).toBe(true);
    expect([trusted(data, A), trusted(data, B), trusted(data, C)]).toEqual([true, false, true]);

    grantTrust(data, B);
    expect([trusted(data, A), trusted(data, B), trusted(data, C)]).toEqual([true, true, true]);
    expect(backups(data)).toHaveLength(1);
    expect(fs.readFileSync(path.join(data, backups(data)[0]!), 'utf8')).toBe(lines.join('\n'));
    expect(mode(path.join(data, backups(data)[0]!))).toBe(0o600);
    expect(readTrust(data).damaged).toBe(false);
  });

  it('an unreadable file or an old-format one trusts nothing, and trusting starts over after a backup', () => {
    for (const content of [
      '{"version": 1, "projects": {"/projects/a": {"digest": "x"}}}',
      '\u0000garbage{',
    ]) {
      const data = tmp();
      grantTrust(data, A);
      fs.writeFileSync(path.join(data, 'trust.json'), content);
      expect(trusted(data, A)).toBe(false);
      grantTrust(data, B);
      expect(trusted(data, B)).toBe(true);
      expect(backups(data)).toHaveLength(1);
    }
  });

  it('narrows a loosened file and key again when it reads them', () => {
    const data = tmp();
    grantTrust(data, A);
    fs.chmodSync(path.join(data, 'trust.json'), 0o644);
    fs.chmodSync(path.join(data, 'trust.key'), 0o666);
    expect(trusted(data, A)).toBe(true);
    expect(mode(path.join(data, 'trust.json'))).toBe(0o600);
    expect(mode(path.join(data, 'trust.key'))).toBe(0o600);
  });

  it('a FIFO in place of the file trusts nothing and does not hang; trusting moves it aside', () => {
    const data = tmp();
    execFileSync('mkfifo', [path.join(data, 'trust.json')]);
    expect(trusted(data, A)).toBe(false);
    grantTrust(data, A);
    expect(trusted(data, A)).toBe(true);
  });

  it('a damaged key or a FIFO in its place loses the trust; trusting again makes a new key', () => {
    const data = tmp();
    grantTrust(data, A);
    const key = path.join(data, 'trust.key');
    fs.writeFileSync(key, 'short');
    expect(trusted(data, A)).toBe(false);
    grantTrust(data, B);
    expect([trusted(data, A), trusted(data, B)]).toEqual([false, true]);
    fs.rmSync(key);
    execFileSync('mkfifo', [key]);
    expect(trusted(data, B)).toBe(false);
    grantTrust(data, C);
    expect(trusted(data, C)).toBe(true);
    expect(fs.statSync(key).size).toBe(32);
  });

  it('a lost key loses the trust (never a key made up to fit)', () => {
    const data = tmp();
    grantTrust(data, A);
    fs.rmSync(path.join(data, 'trust.key'));
    expect(trusted(data, A)).toBe(false);
    grantTrust(data, B);
    expect([trusted(data, A), trusted(data, B)]).toEqual([false, true]);
  });
});
