/**
 * Shells for `run` steps, with GitHub Actions' semantics: the script goes to a temp file and the shell runs
 * it with Actions' exact flags (bash: -eo pipefail, pwsh: $ErrorActionPreference = 'stop', cmd: /D /E:ON …).
 * A custom shell is a command line holding `{0}` where the script path goes, as in Actions.
 */
import fs from 'node:fs';
import path from 'node:path';

/** How to run one script: the executable, its arguments and the text to write to the script file. */
export interface ShellInvocation {
  /** The shell name as configured (or the default picked). */
  shell: string;
  file: string;
  args: string[];
  /** The script file's extension (Actions uses .sh, .ps1, .cmd, .py). */
  ext: string;
  /** Turns the step's command into the script file's text. */
  script(command: string): string;
  /** Windows: pass args to CreateProcess as they are (cmd's own quoting). */
  windowsVerbatimArguments?: boolean;
}

/** Thrown when the configured shell is not installed; the message says what to do. */
export class ShellNotFoundError extends Error {
  constructor(shell: string, tried: string[]) {
    super(
      `shell "${shell}" is not installed here (looked for ${tried.join(', ')} on PATH): install it or set \`shell:\` to one that is (bash, sh, pwsh, powershell, cmd, python)`,
    );
    this.name = 'ShellNotFoundError';
  }
}

/**
 * PATH without the folders a program Offload runs must not come from: relative ones (`.`, `bin`, empty), which
 * resolve against wherever the program runs (a project folder), and those `usable` refuses (a project's own
 * folders named absolutely: boundary/git.ts, init's probes).
 */
export function pathWithout(
  pathVar: string,
  usable: (dir: string) => boolean = () => true,
  platform: NodeJS.Platform = process.platform,
): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const sep = platform === 'win32' ? ';' : ':';
  return pathVar
    .split(sep)
    .filter((d) => d && p.isAbsolute(d) && usable(d))
    .join(sep);
}

/** Finds an executable on PATH (honouring PATHEXT on Windows); undefined when absent. */
export function findExecutable(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const exts =
    platform === 'win32' ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  const candidates = (dir: string) => exts.map((e) => p.join(dir, name + e));
  if (name.includes('/') || (platform === 'win32' && name.includes('\\'))) {
    return candidates('').find(isExecutable) ?? (isExecutable(name) ? name : undefined);
  }
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    const hit = candidates(dir).find(isExecutable);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * A program Offload runs for itself (nvidia-smi, a clipboard tool, LM Studio's `lms`) from PATH, never from a
 * relative PATH folder (`.`, `bin`, empty): those resolve against the folder Offload runs in, where a repository
 * could put a program of that name.
 */
export function findOwnTool(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  return findExecutable(
    name,
    { ...env, PATH: pathWithout(env.PATH ?? env.Path ?? '', undefined, platform) },
    platform,
  );
}

function isExecutable(file: string): boolean {
  try {
    // Most PATH entries lack the name: no exception built and thrown for each (~20 µs apiece, every step).
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const PWSH_PRELUDE = "$ErrorActionPreference = 'stop'";
const PWSH_EPILOGUE = 'if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }';

interface Known {
  exes: string[];
  args: string[];
  ext: string;
  script?: (command: string) => string;
  verbatim?: boolean;
}

function known(name: string, platform: NodeJS.Platform): Known | undefined {
  const pwsh = (command: string) => `${PWSH_PRELUDE}\n${command}\n${PWSH_EPILOGUE}\n`;
  switch (name) {
    case 'bash':
      return { exes: ['bash'], args: ['--noprofile', '--norc', '-eo', 'pipefail', '{0}'], ext: '.sh' };
    case 'sh':
      return { exes: ['sh'], args: ['-e', '{0}'], ext: '.sh' };
    case 'pwsh':
      return { exes: ['pwsh'], args: ['-command', ". '{0}'"], ext: '.ps1', script: pwsh };
    case 'powershell':
      return { exes: ['powershell'], args: ['-command', ". '{0}'"], ext: '.ps1', script: pwsh };
    case 'cmd':
      return {
        exes: ['cmd'],
        args: ['/D', '/E:ON', '/V:OFF', '/S', '/C', '"CALL "{0}""'],
        ext: '.cmd',
        verbatim: true,
      };
    case 'python':
      return {
        exes: platform === 'win32' ? ['python', 'py'] : ['python', 'python3'],
        args: ['{0}'],
        ext: '.py',
      };
    default:
      return undefined;
  }
}

/** The shell a step gets when it names none: bash (else sh) on POSIX, pwsh (else powershell) on Windows. */
export function defaultShell(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  which: (name: string) => string | undefined = (n) => findExecutable(n, env, platform),
): string {
  if (platform === 'win32') return which('pwsh') ? 'pwsh' : 'powershell';
  return which('bash') ? 'bash' : 'sh';
}

/**
 * How to run a step's script with `shell` (undefined: the default). `which` finds executables (injectable for
 * tests of other platforms). Throws ShellNotFoundError when the shell is not installed.
 */
export function resolveShell(
  shell: string | undefined,
  opts: {
    env?: NodeJS.ProcessEnv;
    platform?: NodeJS.Platform;
    which?: (name: string) => string | undefined;
  } = {},
): ShellInvocation {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const which = opts.which ?? ((n: string) => findExecutable(n, env, platform));
  const name = (shell ?? defaultShell(env, platform, which)).trim();
  const k = known(name, platform);
  if (k) {
    const file = k.exes.map(which).find(Boolean);
    if (!file) throw new ShellNotFoundError(name, k.exes);
    return {
      shell: name,
      file,
      args: k.args,
      ext: k.ext,
      script: k.script ?? ((c) => (c.endsWith('\n') ? c : c + '\n')),
      windowsVerbatimArguments: k.verbatim,
    };
  }
  // A custom shell, as in Actions: `perl {0}`, `node {0}`; the first word is the program.
  if (!name.includes('{0}')) {
    throw new Error(
      `unknown shell "${name}": use bash, sh, pwsh, powershell, cmd or python, or a command line with {0} where the script path goes (e.g. "perl {0}")`,
    );
  }
  const words = name.split(/\s+/).filter(Boolean);
  const program = words[0] as string;
  const file = which(program);
  if (!file) throw new ShellNotFoundError(program, [program]);
  return {
    shell: name,
    file,
    args: words.slice(1),
    ext: '',
    script: (c) => (c.endsWith('\n') ? c : c + '\n'),
  };
}

/** The argument list with the script path put in place of `{0}`. */
export function shellArgs(inv: ShellInvocation, scriptPath: string): string[] {
  return inv.args.map((a) => a.split('{0}').join(scriptPath));
}
