// `npm start`: launches the tray app (dist/main/app/main.js, built by `npm run build` just before).
// Where Electron's binary is not installed (CI, servers, this kind of machine) it says so plainly and
// offers the headless `offload watch` instead of a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline/promises';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
const mainEntry = path.join(root, 'dist', 'main', 'app', 'main.js');

/** Path of Electron's executable, or why there is none. Never require('electron'): it tries to download. */
export function findElectron() {
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed (npm install)' };
  }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = path.join(
      process.env.ELECTRON_OVERRIDE_DIST_PATH,
      process.platform === 'win32' ? 'electron.exe' : 'electron',
    );
    return existsSync(exe)
      ? { exe }
      : { reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary (${exe})` };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile))
    return { reason: `Electron's binary was never downloaded (no ${path.relative(root, pathFile)})` };
  const exe = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? { exe } : { reason: `Electron's binary is missing (${path.relative(root, exe)})` };
}

async function main() {
  if (!existsSync(mainEntry)) {
    console.error(`offload: ${path.relative(root, mainEntry)} is missing; run \`npm run build\` first.`);
    return 1;
  }
  const electron = findElectron();
  if (!electron.exe) {
    const lines = [
      'Offload: the desktop app cannot start here —',
      `  ${electron.reason}.`,
      '  Fetch it with `node scripts/get-electron.mjs` on a machine with a desktop and internet access,',
      '  or use the headless core from a terminal (after `npm link`, or as `node bin/offload.js …`):',
      '',
      '      offload watch     # in your project folder: the AWS gate, the rule and CloudWatch alerts',
      '      offload models    # the local model servers and what they cost',
      '',
    ];
    console.error(lines.join('\n'));
    if (process.stdin.isTTY && process.stdout.isTTY) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      const answer = (await rl.question('Start `offload watch` now? [y/N] ')).trim().toLowerCase();
      rl.close();
      if (answer === 'y' || answer === 'yes')
        return run(process.execPath, [path.join(root, 'bin', 'offload.js'), 'watch']);
    }
    return 1;
  }
  const env = { ...process.env };
  // Would turn Electron into plain Node and skip the app entirely.
  delete env.ELECTRON_RUN_AS_NODE;
  // The app folder: package.json's "main" is dist/main/app/main.js, and resources/ sits next to it.
  return run(electron.exe, [root, ...process.argv.slice(2)], env);
}

function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    child.on('error', (err) => {
      console.error(`offload: could not start ${path.basename(cmd)}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  process.exitCode = await main();
}
