// `npm run dist`: electron-builder with electron-builder.yml (arguments after `--` are passed on). It needs
// Electron's release zip for each target; where that cannot be downloaded, electron-builder's Go helper ends in
// a stack trace. This says instead, in one line, what is missing and how to point the build at an Electron
// already on disk (electronDist). When building for this machine only and `npm install` already fetched
// Electron's binary (node_modules/electron/dist, the same release unzipped), that copy is used: no download.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadFailure, electronDistHint } from './dist-output.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);

/** node_modules/electron/dist when it holds this machine's binary of the declared version, else undefined. */
function installedElectron() {
  try {
    const pkgDir = path.dirname(require.resolve('electron/package.json'));
    const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const dist = path.join(pkgDir, 'dist');
    const exe = readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim();
    const got = readFileSync(path.join(dist, 'version'), 'utf8').trim().replace(/^v/, '');
    return got === version && existsSync(path.join(dist, exe)) ? dist : undefined;
  } catch {
    return undefined;
  }
}

const hostFlag = { linux: '--linux', darwin: '--mac', win32: '--win' }[process.platform];
const platformFlags = args.filter((a) => /^--(linux|mac|macos|win|windows)$|^-[lmw]$/.test(a));
const forHostOnly = platformFlags.every((f) => f === hostFlag || f === hostFlag.slice(1, 3));
const chosen =
  args.some((a) => /electronDist/.test(a)) ||
  /^electronDist:/m.test(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
const local =
  !chosen &&
  forHostOnly &&
  !args.some((a) => /^--(x64|arm64|ia32|armv7l|universal)$/.test(a) && a !== `--${process.arch}`)
    ? installedElectron()
    : undefined;
const extra = local ? [`--config.electronDist=${path.relative(root, local)}`] : [];
if (local)
  console.log(`offload: packaging with the Electron already installed (${path.relative(root, local)})`);

const child = spawn(
  process.execPath,
  [require.resolve('electron-builder/cli.js'), '--config', 'electron-builder.yml', ...extra, ...args],
  {
    cwd: root,
    stdio: ['inherit', 'pipe', 'pipe'],
  },
);
let failure;
// Output passes through line by line until the download failure shows; from there on it is the helper's stack
// trace and electron-builder's restatement of it, replaced by one line at the end.
for (const [from, to] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      failure ??= downloadFailure(line);
      if (!failure) to.write(`${line}\n`);
    }
  });
  from.on('end', () => {
    failure ??= downloadFailure(rest);
    if (rest && !failure) to.write(rest);
  });
}
child.on('close', (code, signal) => {
  if (code !== 0 && failure) {
    console.error(electronDistHint(failure));
    process.exitCode = 1;
    return;
  }
  process.exitCode = code ?? (signal ? 1 : 0);
});
