#!/usr/bin/env node
// Runs the built CLI's main() (dist/cli.cjs, as bin/offload.js does) for many cases in ONE process, so a suite
// of ~150 small cases pays Node's start and the bundle's load once instead of per case (test/helpers/cli-batch.ts
// starts it). Usage: node cli-batch.cjs <cases.json> <results.jsonl>. cases.json: [{ name, args, cwd }].
// For each case it appends {"begin": name} to the results file, then {name, code, stdout, stderr}: a case that
// crashes or hangs the process is the one begun without a result. Output is captured per case: the CLI's own
// writes through redirectStdStreams (main/cli/std-streams.ts), commander's (help, usage errors) by replacing
// process.stdout.write / process.stderr.write.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [casesFile, resultsFile] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));

let current = { stdout: '', stderr: '' };
const capture = (key) =>
  function write(chunk, encoding, cb) {
    current[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = typeof encoding === 'function' ? encoding : cb;
    if (done) done();
    return true;
  };
process.stdout.write = capture('stdout');
process.stderr.write = capture('stderr');
// What would crash a process of its own: shown with its stack (the suite fails on a stack), exit 1.
let crash;
process.on('uncaughtException', (err) => (crash = err));
process.on('unhandledRejection', (err) => (crash = err));

const log = (o) => fs.appendFileSync(resultsFile, `${JSON.stringify(o)}\n`);

(async () => {
  const cli = require(path.join(__dirname, '..', '..', 'dist', 'cli.cjs'));
  // the command named, read as bin/offload.js reads it: only that one is defined
  const { commandNamed } = require(path.join(__dirname, '..', '..', 'bin', 'code-cache.js'));
  cli.redirectStdStreams({ out: { write: capture('stdout') }, err: { write: capture('stderr') } });
  for (const c of cases) {
    log({ begin: c.name });
    current = { stdout: '', stderr: '' };
    crash = undefined;
    let code;
    try {
      code = await cli.main(c.args, { ...process.env, ...c.env }, c.cwd, commandNamed(c.args) ?? null);
    } catch (err) {
      // bin/offload.js: a rejected main() is one line and exit 1.
      current.stderr += `offload: ${err && err.message ? err.message : String(err)}\n`;
      code = 1;
    }
    // A stray callback's throw lands within a tick or two of the command's end.
    await new Promise((r) => setImmediate(r));
    if (crash) {
      current.stderr += `${crash && crash.stack ? crash.stack : String(crash)}\nNode.js ${process.version}\n`;
      code = 1;
    }
    log({ name: c.name, code, stdout: current.stdout, stderr: current.stderr });
  }
  process.exit(0);
})();
