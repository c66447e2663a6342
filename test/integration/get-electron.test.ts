/**
 * npm install's postinstall (scripts/get-electron.mjs) in a throw-away project that holds the real script and
 * the real electron installer: an unreachable mirror is one line and exit 0, a reachable one (a local HTTP
 * server serving a small zip under Electron's file name) leaves the binary where `npm start` looks for it.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A project folder with scripts/get-electron.mjs and node_modules/electron (installer only, no binary). */
function project(): { dir: string; electron: string; version: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-get-electron-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts/get-electron.mjs'), path.join(dir, 'scripts/get-electron.mjs'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"p","private":true}');
  const electron = path.join(dir, 'node_modules/electron');
  fs.mkdirSync(electron, { recursive: true });
  for (const f of ['package.json', 'install.js', 'checksums.json'])
    fs.copyFileSync(path.join(ROOT, 'node_modules/electron', f), path.join(electron, f));
  // The installer's own dependencies, resolved from the real install.
  for (const scope of ['@electron', '@electron-internal'])
    fs.symlinkSync(path.join(ROOT, 'node_modules', scope), path.join(dir, 'node_modules', scope));
  const version = (
    JSON.parse(fs.readFileSync(path.join(electron, 'package.json'), 'utf8')) as { version: string }
  ).version;
  return { dir, electron, version };
}

function run(dir: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.ELECTRON_SKIP_BINARY_DOWNLOAD;
    delete clean.ELECTRON_MIRROR;
    const child = spawn(process.execPath, ['scripts/get-electron.mjs'], {
      cwd: dir,
      env: {
        ...clean,
        electron_config_cache: path.join(dir, 'cache'),
        npm_lifecycle_event: 'postinstall',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** A zip holding one file, `electron` (stored, no compression), built by hand. */
function zipOf(name: string, body: Buffer): Buffer {
  const crc = crc32(body);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(body.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x0314, 4); // made by Unix, so the mode below is honoured
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(body.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
  const localPart = Buffer.concat([local, Buffer.from(name), body]);
  const centralPart = Buffer.concat([central, Buffer.from(name)]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('scripts/get-electron.mjs (npm install postinstall)', () => {
  test('an unreachable mirror: one line saying how to get it later, exit 0', async () => {
    const { dir, electron } = project();
    const res = await run(dir, { ELECTRON_MIRROR: 'http://127.0.0.1:1/' });
    expect(res.code).toBe(0);
    const lines = res.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^offload: Electron's binary was not downloaded \(127\.0\.0\.1:1: fetch failed, ECONNREFUSED\);/,
    );
    expect(lines[0]).toContain('run `node scripts/get-electron.mjs` when online');
    expect(fs.existsSync(path.join(electron, 'path.txt'))).toBe(false);
  });

  test('by hand (not as postinstall) the same failure exits 1', async () => {
    const { dir } = project();
    const res = await run(dir, { ELECTRON_MIRROR: 'http://127.0.0.1:1/', npm_lifecycle_event: '' });
    expect(res.code).toBe(1);
    expect(res.out.trim().split('\n')).toHaveLength(1);
  });

  test('ELECTRON_SKIP_BINARY_DOWNLOAD (CI): one line, no download attempted', async () => {
    const { dir } = project();
    const res = await run(dir, {
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      ELECTRON_MIRROR: 'http://127.0.0.1:1/',
    });
    expect(res.code).toBe(0);
    expect(res.out.trim()).toMatch(
      /^offload: Electron's binary not downloaded \(ELECTRON_SKIP_BINARY_DOWNLOAD\)[^\n]*$/,
    );
  });

  test('a reachable mirror: the binary lands where `npm start` finds it; a second run needs no network', async () => {
    const { dir, electron, version } = project();
    const file = `electron-v${version}-${process.platform}-${process.arch}.zip`;
    const zip = zipOf('electron', Buffer.from('#!/bin/sh\necho fake electron\n'));
    const sums = { [file]: crypto.createHash('sha256').update(zip).digest('hex') };
    fs.writeFileSync(path.join(electron, 'checksums.json'), JSON.stringify(sums));
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url === `/v${version}/${file}`) res.end(zip);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const res = await run(dir, { ELECTRON_MIRROR: mirror });
      expect(res.code).toBe(0);
      expect(res.out.trim()).toBe("offload: Electron's binary is in node_modules/electron/dist");
      expect(fs.readFileSync(path.join(electron, 'path.txt'), 'utf8')).toBe('electron');
      expect(fs.readFileSync(path.join(electron, 'dist/electron'), 'utf8')).toContain('fake electron');
      expect(asked).toEqual([`/v${version}/${file}`]);
    } finally {
      server.close();
    }
    // install.js also wants dist/version to call it installed.
    fs.writeFileSync(path.join(electron, 'dist/version'), version);
    const again = await run(dir, { ELECTRON_MIRROR: 'http://127.0.0.1:1/' });
    expect(again).toEqual({ code: 0, out: '' });
  });
});
