/**
 * Running git on a project Offload did not write. A repository's own configuration can name programs git
 * runs (core.fsmonitor, hooks, filters, textconv, external diff, pagers…); Offload only ever asks git for
 * file lists, so every such program is switched off on the command line, trusted project or not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { findExecutable, pathWithout } from './shell';

/** `-c` settings that keep the repository's configuration from starting programs. */
const NEUTRAL_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  `core.hooksPath=${os.devNull}`,
  'core.pager=cat',
  'core.quotepath=off',
  'diff.external=',
  'core.askPass=',
  'credential.helper=',
  'protocol.allow=never',
];

export interface GitResult {
  code: number;
  stdout: Buffer;
  /** git ran past its time limit and was killed (code -1): a FIFO where git reads its config or index. */
  timedOut?: boolean;
  /** …and it was killed early, seen waiting to open a FIFO that nothing writes (Linux). */
  blockedOnFifo?: boolean;
}

/**
 * How long one git command may take. A repository can make git block for ever (an include.path, an index or
 * an excludes file that is a FIFO): Offload must not hang with it. Listing a million files takes a few seconds.
 */
export const GIT_TIMEOUT_MS = 20_000;

/** Extra environment variables (never replacing the ones below), and a reader for big outputs. */
export interface GitOptions {
  env?: Readonly<Record<string, string>>;
  onStdout?: (chunk: Buffer) => void;
  /** Kill git after this long (GIT_TIMEOUT_MS unless given). */
  timeoutMs?: number;
  /** The git to run (an absolute path: gitProgram); by default the one on PATH. */
  program?: string;
}

/**
 * git's absolute path on PATH, looked up once per PATH: the child then runs it at once, where a bare `git` has
 * it try every PATH folder before it (a failed exec each, while Node waits for the child to start). A folder
 * named relatively on PATH is never used: the child runs in the project folder, where it would find a `git` the
 * repository put there (so would Windows, which looks in the current folder first); nor one `usable` refuses
 * (boundary/git.ts: the project's own folders), `key` naming that choice in the memo. Undefined where there is
 * none: git is not run, as where it is not installed.
 */
const looked = new Map<string, string | undefined>();
export function gitProgram(
  pathVar: string | undefined,
  usable: (dir: string) => boolean = () => true,
  key = '',
): string | undefined {
  const memo = `${key}\0${pathVar ?? ''}`;
  if (looked.has(memo)) return looked.get(memo);
  const program = findExecutable('git', { ...process.env, PATH: pathWithout(pathVar ?? '', usable) });
  if (looked.size >= 64) looked.clear();
  looked.set(memo, program);
  return program;
}

/**
 * The git processes running now: killed when Offload exits or is ended by a signal, as their time limit is
 * Node's and ends with it (a git blocked on a FIFO would otherwise be left behind for ever).
 */
const running = new Set<ChildProcess>();
let killOnExit = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * A signal that ends Offload while a git still runs after FIFO_CHECK_MS (one blocked on a FIFO): git is
 * killed first. Where nothing else handles that signal, it then ends Offload as it would have (raised again with
 * this handler gone); where something does (a run cancelling its step), that handler decides. (Listening costs
 * ~3 ms at the first listener: a git that answers in time, as nearly all do, never pays it. One that ends
 * meanwhile needs no killing.)
 */
function onSignal(signal: NodeJS.Signals): void {
  killRunning();
  if (process.listenerCount(signal) > 1) return;
  unlistenSignals();
  process.kill(process.pid, signal);
}
let listening = false;
function listenSignals(): void {
  if (listening) return;
  listening = true;
  for (const s of SIGNALS) process.on(s, onSignal);
}
function unlistenSignals(): void {
  if (!listening) return;
  listening = false;
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * How often a running git is looked at for a wait on a FIFO (Linux; one small read of /proc each time), and
 * when its signal listeners are added: most gits have answered by then.
 */
const FIFO_CHECK_MS = 200;
/**
 * Whether the process `pid` waits to open a FIFO nobody writes to (the kernel's `wait_for_partner`): git never
 * opens one on purpose, so it is blocked there for good. False where the kernel does not say (other systems,
 * a hidden wchan).
 */
function waitsOnFifo(pid: number | undefined): boolean {
  if (process.platform !== 'linux' || pid === undefined) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/wchan`, 'latin1') === 'wait_for_partner';
  } catch {
    return false;
  }
}

/**
 * Runs `git args…` in `cwd` with the neutral settings above, no prompts, no optional locks; resolves to the
 * exit code (-1 when git is missing or ran past its time limit) and stdout (empty when `onStdout` reads it as
 * it comes). Never throws, never waits past the time limit.
 */
export function runGit(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  if (!killOnExit) {
    killOnExit = true;
    process.once('exit', killRunning);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const configArgs = NEUTRAL_CONFIG.flatMap((c) => ['-c', c]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.env,
      GIT_OPTIONAL_LOCKS: '0',
      GIT_TERMINAL_PROMPT: '0',
      GIT_PAGER: 'cat',
      GIT_EXTERNAL_DIFF: '',
      LC_ALL: 'C',
    };
    const program = opts.program ?? gitProgram(env.PATH ?? env.Path);
    if (!program) {
      resolve({ code: -1, stdout: Buffer.alloc(0) });
      return;
    }
    const child = spawn(program, [...configArgs, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      env,
      // killed by Node at the limit (SIGKILL: a git blocked on a FIFO need not cooperate)
      timeout: opts.timeoutMs ?? GIT_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    running.add(child);
    let onFifo = false;
    const fifoCheck = setInterval(() => {
      listenSignals();
      if (!waitsOnFifo(child.pid)) return;
      onFifo = true;
      child.kill('SIGKILL');
    }, FIFO_CHECK_MS);
    fifoCheck.unref();
    const done = () => {
      clearInterval(fifoCheck);
      running.delete(child);
      if (!running.size) unlistenSignals();
    };
    child.stdout.on('data', opts.onStdout ?? ((b: Buffer) => chunks.push(b)));
    child.on('error', () => {
      done();
      resolve({ code: -1, stdout: Buffer.alloc(0) });
    });
    child.once('exit', done);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(chunks);
      // killed with no exit code: the time limit (or someone's SIGKILL: git's answer is lost either way)
      resolve(
        code === null && signal === 'SIGKILL'
          ? { code: -1, stdout, timedOut: true, ...(onFifo ? { blockedOnFifo: true } : {}) }
          : { code: code ?? -1, stdout },
      );
    });
  });
}
