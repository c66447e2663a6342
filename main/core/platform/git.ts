/**
 * Running git on a project Offload did not write. A repository's own configuration can name programs git
 * runs (core.fsmonitor, hooks, filters, textconv, external diff, pagers…); Offload only ever asks git for
 * file lists, so every such program is switched off on the command line, trusted project or not.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';

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
}

/** Extra environment variables (never replacing the ones below), and a reader for big outputs. */
export interface GitOptions {
  env?: Readonly<Record<string, string>>;
  onStdout?: (chunk: Buffer) => void;
}

/**
 * Runs `git args…` in `cwd` with the neutral settings above, no prompts, no optional locks; resolves to the
 * exit code (-1 when git is missing) and stdout (empty when `onStdout` reads it as it comes). Never throws.
 */
export function runGit(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const configArgs = NEUTRAL_CONFIG.flatMap((c) => ['-c', c]);
    const child = spawn('git', [...configArgs, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      env: {
        ...process.env,
        ...opts.env,
        GIT_OPTIONAL_LOCKS: '0',
        GIT_TERMINAL_PROMPT: '0',
        GIT_PAGER: 'cat',
        GIT_EXTERNAL_DIFF: '',
        LC_ALL: 'C',
      },
    });
    const onStdout = opts.onStdout;
    child.stdout.on('data', onStdout ?? ((b: Buffer) => chunks.push(b)));
    child.on('error', () => resolve({ code: -1, stdout: Buffer.alloc(0) }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(chunks) }));
  });
}
