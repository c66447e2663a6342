// Fetches Electron's binary for `npm start` (npm install's postinstall, and by hand later). Electron's package
// no longer downloads at install time, and allowScripts keeps any install script of its off, so this is the one
// place it happens: it runs the package's own installer (node_modules/electron/install.js: cache, checksums,
// unzip into node_modules/electron/dist). Where the download cannot be done (offline, a blocked host) it says so
// in one line: as npm's postinstall it exits 0, because the CLI, the tests and the headless core need no Electron.
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const self =
  path.relative(process.cwd(), path.join(root, 'scripts', 'get-electron.mjs')) || 'scripts/get-electron.mjs';
const later = `run \`node ${self}\` when online (ELECTRON_MIRROR for a mirror); the CLI and the tests do not need it`;
const DEFAULT_MIRROR = 'https://github.com/electron/electron/releases/download/';

/** The mirror's host and port (where a failed download is explained by a failed lookup or connection). */
function mirrorAddress() {
  const mirror = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || DEFAULT_MIRROR;
  try {
    const url = new URL(mirror);
    return { host: url.hostname, port: Number(url.port) || (url.protocol === 'http:' ? 80 : 443) };
  } catch {
    return undefined;
  }
}

/** The error code of one TCP connection to host:port (3 s at most), or undefined when it connects. */
function connectError(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.on('connect', () => (socket.destroy(), resolve(undefined)));
    socket.on('timeout', () => (socket.destroy(), resolve('ETIMEDOUT')));
    socket.on('error', (err) => resolve(err.code ?? err.message));
  });
}

/** Why the installer failed, in a few words: the host's name lookup or connection, else its first line. */
async function reason(stderr) {
  const first = (stderr.split('\n').find((l) => l.trim()) ?? 'the download failed').trim();
  const text = first.replace(/^\w*Error: /, '').slice(0, 160);
  const at = mirrorAddress();
  if (!at) return text;
  try {
    await lookup(at.host);
  } catch (err) {
    return `${at.host} cannot be resolved (${err.code ?? err.message}): offline?`;
  }
  const code = await connectError(at.host, at.port);
  return code ? `${at.host}:${at.port}: ${text}, ${code}` : `${at.host}: ${text}`;
}

async function main() {
  const postinstall = process.env.npm_lifecycle_event === 'postinstall';
  const failCode = postinstall ? 0 : 1;
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    console.error('offload: the electron package is not installed; run `npm install` first');
    return failCode;
  }
  const skip =
    process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || process.env.npm_config_electron_skip_binary_download;
  if (skip && skip !== '0' && skip !== 'false') {
    console.error(
      `offload: Electron's binary not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD); for \`npm start\` ${later}`,
    );
    return 0;
  }
  const had = existsSync(path.join(pkgDir, 'path.txt'));
  const stderr = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(pkgDir, 'install.js')], {
      cwd: pkgDir,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let text = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (text.length < 64 * 1024) text += d;
    });
    child.on('error', (err) => resolve({ code: 1, text: err.message }));
    child.on('close', (code) => resolve({ code, text }));
  });
  if (stderr.code === 0) {
    if (!had)
      console.error(`offload: Electron's binary is in ${path.relative(root, path.join(pkgDir, 'dist'))}`);
    return 0;
  }
  console.error(
    `offload: Electron's binary was not downloaded (${await reason(stderr.text)}); for \`npm start\` ${later}`,
  );
  return failCode;
}

process.exitCode = await main();
