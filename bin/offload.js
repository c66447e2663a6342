#!/usr/bin/env node
// The `offload` command: runs the CLI built by `npm run build` (dist/cli.mjs).
'use strict';
// Checked before anything else is loaded: on an old Node the bundle would fail with a syntax or API error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `offload: needs Node.js 22.12 or later (the 22 or 24 LTS); this is Node ${process.versions.node}. ` +
      'Install the current LTS (https://nodejs.org), or use the Node this project installs: ' +
      "`. scripts/provision-node.sh` in the Offload folder puts it on your shell's PATH (README, Set-up)\n",
  );
  process.exit(1);
}
/**
 * What an output stream's error does: a reader that went away (`offload … | head`) ends the output, with
 * `closedCode()`; output that cannot be written (`> /dev/full`, a full disk, an I/O error) is said in one line,
 * not a stack trace, and never exit 0 (`failedCode()`), since what the command had to say is lost.
 */
function outputError(closedCode, failedCode) {
  return (err) => {
    if (err && err.code === 'EPIPE') process.exit(closedCode());
    if (err && typeof err.code === 'string' && err.syscall === 'write') {
      try {
        require('node:fs').writeSync(2, `offload: cannot write the output: ${err.message}\n`);
      } catch {
        // stderr is gone too
      }
      process.exit(failedCode());
    }
    throw err;
  };
}

// `offload --version` alone: answered from package.json before the CLI is loaded (start-up, issue 20).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  process.stdout.on(
    'error',
    outputError(
      () => 0,
      () => 1,
    ),
  );
  process.stdout.write(`${JSON.parse(readFileSync(`${__dirname}/../package.json`, 'utf8')).version}\n`);
  return;
}
// The CLI is one CommonJS file (dist/cli.cjs), compiled with a V8 code cache made after the same command ran
// before, in a private per-user folder (bin/code-cache.js).
const { loadWithCodeCache } = require('./code-cache');
let loaded;
try {
  loaded = loadWithCodeCache(require('node:path').join(__dirname, '..', 'dist', 'cli.cjs'), args);
} catch (err) {
  if (err && err.code === 'ENOENT' && /dist[\\/]cli\.cjs'/.test(err.message)) {
    process.stderr.write(
      'offload: not built yet; run `npm run build` (or `npm install`) in the Offload folder first\n',
    );
    process.exit(1);
  }
  throw err;
}
run(loaded.exports, loaded.save, loaded.named);

function run(cli, saveCodeCache, named) {
  // `offload … | head`: the reader went away; that is the end of the output, not an error. A command still at
  // work (a run's steps) ends there too: 141, the shell's code for a closed pipe, never 0 as if it had passed.
  let finished = false;
  const onError = outputError(
    () => (finished ? (process.exitCode ?? 0) : 141),
    () => (finished && process.exitCode ? process.exitCode : 1),
  );
  /** The stdout and stderr streams Node made (a pipe's may still hold output the reader has not taken). */
  const streams = [];
  // Node makes process.stdout and process.stderr when they are first read (the CLI writes a file or a pipe
  // without them: main/cli/std-streams.ts): each gets the handler then.
  for (const name of ['stdout', 'stderr']) {
    const made = Object.getOwnPropertyDescriptor(process, name);
    if (!made || !made.get || !made.configurable) {
      process[name].on('error', onError);
      streams.push(process[name]);
      continue;
    }
    let handled = false;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: made.enumerable,
      get() {
        const stream = made.get.call(process);
        if (!handled) {
          stream.on('error', onError);
          streams.push(stream);
        }
        handled = true;
        return stream;
      },
    });
  }
  cli.main(process.argv.slice(2), process.env, process.cwd(), named ?? null).then(
    (code) => {
      finished = true;
      process.exitCode = code;
      // the first time this command ran with this build (or V8 refused the cache); not for a usage or config
      // error (exit 2): a mistyped command gets no cache of its own; nor from a run that parsed offload.yml where
      // the next one loads its kept model (the first after a rebuild): the cache would hold the parser's code,
      // which costs every later start to load (issue 20)
      if ((code === 0 || code === 1) && cli.usualPath()) saveCodeCache();
      // Leave promptly even if a library left a handle open, once the output is out: a non-blocking pipe's
      // reader may take it later than that (process.exit would drop what Node still holds for it).
      const leave = () => {
        if (streams.some((s) => s.writableLength > 0)) setTimeout(leave, 100).unref();
        else process.exit(code);
      };
      // Where nothing is left to wait for (no child process, socket, timer or file request: the terminal's own
      // handles at most), leave at once, once what the command's last promises queued has run: a natural exit
      // would first run the garbage collection V8 asked the idle loop for, then take the heap apart, ~9 ms of a
      // one-file `offload status` (issue 20).
      // (A child that has just exited keeps its handle until the loop's next turn: looked at a few turns.)
      let turns = 0;
      const leaveIfIdle = () => {
        if (process.getActiveResourcesInfo().every((r) => r === 'TTYWrap' || r === 'Immediate')) leave();
        else if (++turns < 3) setImmediate(leaveIfIdle);
      };
      setImmediate(leaveIfIdle);
      setTimeout(leave, 1500).unref();
    },
    (err) => {
      process.stderr.write(`offload: ${err && err.message ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
