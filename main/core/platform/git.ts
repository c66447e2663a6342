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

/**
 * Runs `git args…` in `cwd` with the neutral settings above, no prompts, no optional locks; resolves to the
 * exit code (-1 when git is missing) and stdout. Never throws. `env` adds variables (never removes the above).
 */
export function runGit(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<GitResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const configArgs = NEUTRAL_CONFIG.flatMap((c) => ['-c', c]);
    const child = spawn('git', [...configArgs, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      env: {
        ...process.env,
        ...env,
        GIT_OPTIONAL_LOCKS: '0',
        GIT_TERMINAL_PROMPT: '0',
        GIT_PAGER: 'cat',
        GIT_EXTERNAL_DIFF: '',
        LC_ALL: 'C',
      },
    });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', () => resolve({ code: -1, stdout: Buffer.alloc(0) }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(chunks) }));
  });
}
