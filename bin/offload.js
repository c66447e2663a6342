#!/usr/bin/env node
// The `offload` command: runs the CLI built by `npm run build` (dist/cli.mjs).
'use strict';
// Checked before anything else is loaded: on an old Node the bundle would fail with a syntax or API error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `offload: needs Node.js 22.12 or later (the 22 or 24 LTS); this is Node ${process.versions.node}. ` +
      'Install the current LTS (https://nodejs.org), or run it with the Node this project installs: ' +
      '`npx offload …` (or `npm run offload -- …`) in the Offload folder\n',
  );
  process.exit(1);
}
// `offload --version` alone: answered from package.json before the CLI is loaded (start-up, issue 20).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(`${__dirname}/../package.json`, 'utf8')).version}\n`);
  return;
}
// V8's compiled code for the CLI's modules is kept on disk (Node's own cache folder in the temp directory, or
// NODE_COMPILE_CACHE): later starts skip parsing and compiling it. A cache that cannot be written costs nothing.
try {
  require('node:module').enableCompileCache?.();
} catch {
  // no cache: a slower start, nothing else
}
// The CLI is ES modules split per command (dist/cli.mjs and its chunks): each command loads only what it runs.
import('../dist/cli.mjs').then(run, (err) => {
  // dist/cli.mjs missing: never built; one of its chunks missing: a build under way or cut short
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]cli(-[\w-]+)?\.mjs'/.test(err.message)) {
    process.stderr.write(
      /dist[\\/]cli\.mjs'/.test(err.message)
        ? 'offload: not built yet; run `npm run build` (or `npm install`) in the Offload folder first\n'
        : 'offload: the build in dist/ is incomplete (a build under way or cut short); run `npm run build` in the Offload folder\n',
    );
    process.exit(1);
  }
  throw err;
});

function run(cli) {
  // `offload … | head`: the reader went away; that is the end of the output, not an error. A command still at
  // work (a run's steps) ends there too: 141, the shell's code for a closed pipe, never 0 as if it had passed.
  let finished = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err && err.code === 'EPIPE') process.exit(finished ? (process.exitCode ?? 0) : 141);
      throw err;
    });
  }
  cli.main(process.argv.slice(2)).then(
    (code) => {
      finished = true;
      process.exitCode = code;
      // Leave promptly even if a library left a handle open; output already written is flushed first.
      setTimeout(() => process.exit(code), 1500).unref();
    },
    (err) => {
      process.stderr.write(`offload: ${err && err.message ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
