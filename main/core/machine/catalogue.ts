/**
 * The built-in catalogue of local model servers: data plus one small function each. Matching looks at
 * the executable's base name and the argument structure (after unwrapping interpreters such as
 * `python -m vllm…` or `/venv/bin/python /venv/bin/vllm serve`), never at loose substrings: an editor
 * with "ollama" in its arguments or a binary named `ollama-docs` is not a model server.
 */
import { realpathSync as realpath } from 'node:fs';
import type { ModelExclude, ModelMatcherConfig } from './config';

/** A command line seen through interpreters: what actually runs and with which arguments. */
export interface CommandView {
  argv: string[];
  /** Effective program path (the script for interpreted programs) and its lower-case base name without .exe. */
  path: string;
  base: string;
  /** `python -m <module>` */
  module?: string;
  /** Arguments after the effective program (or module). */
  args: string[];
}

/** How a runtime can be asked to let go of its models before it is signalled. */
export type GracefulKind = 'ollama' | 'comfyui' | 'llama.cpp' | 'lms';

/** One catalogue entry. `match` says whether a command is this runtime's server or a worker of it. */
export interface CatalogueEntry {
  id: string;
  title: string;
  defaultPort?: number;
  graceful?: GracefulKind;
  match(c: CommandView): 'server' | 'worker' | null;
}

const INTERPRETER = /^(python(\d+(\.\d+)*)?w?|pypy3?|node|nodejs|bun|ruby|perl|sh|bash|dash|zsh)$/;
const PY_OPT_WITH_VALUE = new Set(['-X', '-W', '-Q']);
const NODE_OPT_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
]);

const baseOf = (p: string): string => {
  const b = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1).toLowerCase();
  return b.endsWith('.exe') ? b.slice(0, -4) : b;
};

/** Sees a command line through interpreters and launchers (`uv run`, `python -m`, shebang scripts). */
export function commandView(argv: string[]): CommandView {
  let i = 0;
  for (let guard = 0; guard < 4; guard++) {
    const b = baseOf(argv[i] ?? '');
    if ((b === 'uv' || b === 'pipx') && argv[i + 1] === 'run') {
      i += 2;
      continue;
    }
    if (b === 'uvx' || b === 'env') {
      i += 1;
      while (b === 'env' && argv[i] !== undefined && (argv[i]!.startsWith('-') || argv[i]!.includes('=')))
        i++;
      continue;
    }
    if (!INTERPRETER.test(b)) break;
    const isPy = b.startsWith('python') || b.startsWith('pypy');
    const isNode = b === 'node' || b === 'nodejs' || b === 'bun';
    let j = i + 1;
    while (j < argv.length && argv[j]!.startsWith('-') && argv[j] !== '-') {
      const a = argv[j]!;
      if (isPy && a === '-m') {
        const mod = argv[j + 1] ?? '';
        return { argv, path: mod, base: mod.toLowerCase(), module: mod, args: argv.slice(j + 2) };
      }
      if (a === '-c' || a === '-e' || a === '--eval' || a === '-p') {
        return { argv, path: argv[i]!, base: b, args: argv.slice(i + 1) }; // inline code: the interpreter itself
      }
      if ((isPy && PY_OPT_WITH_VALUE.has(a)) || (isNode && NODE_OPT_WITH_VALUE.has(a))) j += 2;
      else j += 1;
    }
    if (j >= argv.length) return { argv, path: argv[i]!, base: b, args: [] };
    if (isNode && argv[j] === 'run' && b === 'bun') j++;
    i = j; // the script is the effective program
    break;
  }
  const path = argv[i] ?? '';
  return { argv, path, base: baseOf(path), args: argv.slice(i + 1) };
}

const hasArg = (c: CommandView, ...names: string[]) => c.args.some((a) => names.includes(a.split('=')[0]!));
const pathHas = (c: CommandView, dir: RegExp) => dir.test(c.path.replace(/\\/g, '/'));

/** Every runtime Offload recognises out of the box. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'ollama',
    title: 'Ollama',
    defaultPort: 11434,
    graceful: 'ollama',
    match: (c) => {
      if (c.base === 'ollama') {
        if (c.args[0] === 'serve') return 'server';
        if (c.args[0] === 'runner') return 'worker';
        return null;
      }
      return c.base === 'ollama_llama_server' ? 'worker' : null;
    },
  },
  {
    id: 'llama.cpp',
    title: 'llama.cpp server',
    defaultPort: 8080,
    graceful: 'llama.cpp',
    match: (c) => {
      if (c.base === 'llama-server' || c.base === 'llama-cpp-server') return 'server';
      if (c.module === 'llama_cpp.server') return 'server';
      // The old build named its server just `server`: only inside a llama.cpp tree and with a model argument.
      if (c.base === 'server' && pathHas(c, /llama\.?cpp/i) && hasArg(c, '-m', '--model', '-hf', '--hf-repo'))
        return 'server';
      return null;
    },
  },
  {
    id: 'vllm',
    title: 'vLLM',
    defaultPort: 8000,
    match: (c) => {
      if (c.base === 'vllm' && c.args[0] === 'serve') return 'server';
      if (c.module === 'vllm.entrypoints.openai.api_server' || c.module === 'vllm.entrypoints.api_server')
        return 'server';
      return null;
    },
  },
  {
    id: 'tgi',
    title: 'text-generation-inference',
    defaultPort: 3000,
    match: (c) =>
      c.base === 'text-generation-launcher' || c.base === 'text-generation-router'
        ? 'server'
        : c.base === 'text-generation-server' && c.args[0] === 'serve'
          ? 'worker'
          : null,
  },
  {
    id: 'sglang',
    title: 'SGLang',
    defaultPort: 30000,
    match: (c) => (c.module === 'sglang.launch_server' ? 'server' : null),
  },
  {
    id: 'lm-studio',
    title: 'LM Studio',
    defaultPort: 1234,
    graceful: 'lms',
    match: (c) => {
      if (c.base === 'lm studio' || c.base === 'lm-studio' || c.base === 'lmstudio') return 'server';
      if (c.base === 'llmworker' || (c.base.startsWith('llmworker') && pathHas(c, /lm-?studio/i)))
        return 'worker';
      return null;
    },
  },
  {
    id: 'localai',
    title: 'LocalAI',
    defaultPort: 8080,
    match: (c) => ((c.base === 'local-ai' || c.base === 'localai') && c.args[0] !== 'help' ? 'server' : null),
  },
  {
    id: 'koboldcpp',
    title: 'KoboldCpp',
    defaultPort: 5001,
    match: (c) =>
      /^koboldcpp([-_.](linux|mac|x64|arm64|cu\d+|nocuda|oldpc|rocm|py)[-\w.]*)?$/.test(c.base)
        ? 'server'
        : null,
  },
  {
    id: 'comfyui',
    title: 'ComfyUI',
    defaultPort: 8188,
    graceful: 'comfyui',
    match: (c) => {
      if (c.base === 'comfyui' || (c.base === 'comfy' && c.args[0] === 'launch')) return 'server';
      if (c.base === 'main.py' && pathHas(c, /comfyui\/main\.py$/i)) return 'server';
      return null;
    },
  },
  {
    id: 'sd-webui',
    title: 'Stable Diffusion web UI (AUTOMATIC1111/Forge)',
    defaultPort: 7860,
    match: (c) =>
      (c.base === 'launch.py' || c.base === 'webui.py') &&
      pathHas(c, /stable-diffusion-webui[^/]*\/(launch|webui)\.py$/i)
        ? 'server'
        : null,
  },
  {
    id: 'jan',
    title: 'Jan (cortex)',
    defaultPort: 39291,
    match: (c) =>
      c.base === 'cortex-server' || (c.base === 'cortex' && c.args[0] === 'start') ? 'server' : null,
  },
  {
    id: 'gpt4all',
    title: 'GPT4All',
    defaultPort: 4891,
    match: (c) =>
      c.base === 'gpt4all' || (c.base === 'chat' && pathHas(c, /gpt4all\/bin\/chat$/i)) ? 'server' : null,
  },
  {
    id: 'whisper.cpp',
    title: 'whisper.cpp server',
    defaultPort: 8080,
    match: (c) =>
      c.base === 'whisper-server' || (c.base === 'server' && pathHas(c, /whisper\.?cpp/i)) ? 'server' : null,
  },
  {
    id: 'mlx-lm',
    title: 'MLX LM server',
    defaultPort: 8080,
    match: (c) =>
      c.base === 'mlx_lm.server' ||
      c.module === 'mlx_lm.server' ||
      (c.module === 'mlx_lm' && c.args[0] === 'server')
        ? 'server'
        : null,
  },
];

/** The result of classifying one process. */
export interface Classification {
  server: string;
  title: string;
  role: 'server' | 'worker';
  entry?: CatalogueEntry;
  matcher?: ModelMatcherConfig;
}

function exeMatches(want: string, c: CommandView): boolean {
  if (/[\\/]/.test(want)) return c.path === want || c.argv[0] === want;
  const w = baseOf(want);
  return c.base === w || baseOf(c.argv[0] ?? '') === w;
}

/**
 * Whether argv[0] is the program that really runs: the executable (`exe`, e.g. /proc/<pid>/exe) has its base
 * name, is what argv[0] resolves to, or both are interpreters (python → python3.12). A process can write any
 * title into its argv (setproctitle); `less` titled "…/llama-server" is not a llama.cpp server. Unknown `exe`
 * (another user's process, a platform without it): argv decides.
 */
export function exeIdentityHolds(argv: readonly string[], exe: string | undefined): boolean {
  if (!exe || argv.length === 0) return true;
  const a0 = argv[0]!;
  const a0base = baseOf(a0);
  const exeBase = baseOf(exe);
  if (a0base === exeBase) return true;
  if (INTERPRETER.test(a0base) && INTERPRETER.test(exeBase)) return true;
  if (/[\\/]/.test(a0)) {
    try {
      if (realpath(a0) === exe) return true;
    } catch {
      /* not there (any more): no proof */
    }
  }
  return false;
}

/** Whether an exclusion rule covers this process. */
export function isExcluded(pid: number, c: CommandView, exclude: readonly ModelExclude[]): boolean {
  return exclude.some(
    (e) =>
      (e.pid === undefined || e.pid === pid) &&
      (e.exe === undefined || exeMatches(e.exe, c)) &&
      (e.cmdline === undefined || e.cmdline.test(c.argv.join(' '))),
  );
}

/** Classifies one command line: user matchers first, then (unless switched off) the catalogue. */
export function classify(
  argv: string[],
  opts: { matchers?: readonly ModelMatcherConfig[]; builtin?: boolean } = {},
): Classification | null {
  if (argv.length === 0) return null;
  const c = commandView(argv);
  for (const m of opts.matchers ?? []) {
    if (m.exe === undefined && m.cmdline === undefined) continue;
    if (m.exe !== undefined && !exeMatches(m.exe, c)) continue;
    if (m.cmdline !== undefined && !m.cmdline.test(argv.join(' '))) continue;
    return { server: m.name, title: m.name, role: 'server', matcher: m };
  }
  if (opts.builtin === false) return null;
  for (const e of CATALOGUE) {
    const role = e.match(c);
    if (role) return { server: e.id, title: e.title, role, entry: e };
  }
  return null;
}
