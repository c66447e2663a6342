/**
 * Before git runs on a repository Offload did not write: a file git reads that is a FIFO or a device blocks git
 * (a FIFO with no writer) or feeds it for ever (/dev/zero) until it is killed at its time limit; `offload
 * status` would wait that long each time. The files git always reads are looked at here first, without opening
 * anything but regular files, so such a repository is listed by the folder walk instead, at once: `HEAD`, the
 * configuration (the repository's, the user's and the system's, with what they name: `include.path`,
 * `includeIf.<cond>.path`, `core.excludesFile`), `info/exclude`, and the `.gitignore` and `.gitattributes` of
 * the folders from the work tree's top down to the project folder. (One deeper in the tree is met by
 * platform/git.ts, which stops a git blocked on a FIFO.)
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { fileKind, ProjectFileError, readProjectText, statOrUndefined } from './files';
import { findDotGit, realpathOrSelf } from './project-paths';

/** git's own limit on nested includes (MAX_INCLUDE_DEPTH). */
const MAX_DEPTH = 10;
/** A config file larger than this is not one a repository needs: not read, and git is not run on it. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads a small regular file git reads (`.git` file, `commondir`, a config), or says why git may not run. */
function readSmall(file: string): { text?: string; problem?: string } {
  const st = statOrUndefined(file);
  if (!st) return {};
  if (!st.isFile()) return { problem: `${file} is ${fileKind(st)}, not a regular file` };
  try {
    return { text: readProjectText(file, { maxBytes: MAX_CONFIG_BYTES, what: 'git file' }) };
  } catch (err) {
    return { problem: err instanceof ProjectFileError ? err.message : `${file} could not be read` };
  }
}

/**
 * The `section.key` settings of git config text, in order (names lower-cased, a subsection's name dropped:
 * `includeif.path`), values read as git reads them.
 */
export function configEntries(text: string): Array<[name: string, value: string]> {
  const out: Array<[string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    const head = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(?:[^"\\]|\\.)*")?\s*\]\s*(.*)$/.exec(line);
    if (head) {
      section = head[1]!.toLowerCase().split('.')[0]!;
      line = head[2]!.trim(); // `[include] path = x` on one line
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (kv) out.push([`${section}.${kv[1]!.toLowerCase()}`, configValue(kv[2]!)]);
  }
  return out;
}

/** Values of `include.path`, `includeIf.*.path` and `core.excludesFile` in git config text (any case). */
export function configFilePaths(text: string): { include: string[]; excludes: string[] } {
  const entries = configEntries(text);
  const values = (...names: string[]) => entries.filter(([n]) => names.includes(n)).map(([, v]) => v);
  return { include: values('include.path', 'includeif.path'), excludes: values('core.excludesfile') };
}

/** A config value: quotes removed, `\"` `\\` `\t` `\n` escapes read, a `;` or `#` comment outside quotes cut. */
function configValue(s: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      out += n === 't' ? '\t' : n === 'n' ? '\n' : n;
    } else if (!quoted && (c === ';' || c === '#')) break;
    else out += c;
  }
  return out.trim();
}

/** `~/x` from the home folder, a relative path from the folder of the config naming it. */
const expand = (p: string, from: string): string =>
  p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : path.resolve(from, p);

/** The first file a config (and what it includes) makes git read that is not a regular file, in words. */
function checkConfig(file: string, depth: number, seen: Set<string>): string | undefined {
  if (seen.has(file) || depth > MAX_DEPTH) return undefined; // git stops there with an error, never blocks
  seen.add(file);
  const { text, problem } = readSmall(file);
  if (problem) return problem;
  if (text === undefined) return undefined; // not there: git makes do without it
  const { include, excludes } = configFilePaths(text);
  for (const p of excludes.filter(Boolean)) {
    const st = statOrUndefined(expand(p, path.dirname(file)));
    if (st && !st.isFile())
      return `${file} names ${p} (core.excludesFile), which is ${fileKind(st)}, not a regular file`;
  }
  for (const p of include.filter(Boolean)) {
    const target = expand(p, path.dirname(file));
    const st = statOrUndefined(target);
    if (st && !st.isFile())
      return `${file} includes ${p} (include.path), which is ${fileKind(st)}, not a regular file`;
    const deeper = st && checkConfig(target, depth + 1, seen);
    if (deeper) return deeper;
  }
  return undefined;
}

/** `file` when it is there and not a regular file, in words (`lstat`: a link git does not follow is no harm). */
function notRegularFile(file: string, follow: boolean): string | undefined {
  let st: fs.Stats;
  try {
    st = follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch {
    return undefined; // not there: git makes do without it
  }
  return st.isFile() || st.isSymbolicLink() ? undefined : `${file} is ${fileKind(st)}, not a regular file`;
}

/** git's configuration files outside the repository: the user's and the system's (as git finds them). */
function machineConfigs(): string[] {
  const env = process.env;
  const xdg = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  const files = env.GIT_CONFIG_GLOBAL
    ? [env.GIT_CONFIG_GLOBAL]
    : [path.join(xdg, 'git', 'config'), path.join(os.homedir(), '.gitconfig')];
  if (!env.GIT_CONFIG_NOSYSTEM) files.push(env.GIT_CONFIG_SYSTEM || '/etc/gitconfig');
  return files;
}

/** The `.gitignore` and `.gitattributes` git reads from the work tree's top `root` down to `dir`. */
function treeFilesAbove(root: string, dir: string): string[] {
  const rel = path.relative(root, path.resolve(dir));
  const parts = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep) : [];
  const folders = [root, ...parts.map((_, i) => path.join(root, ...parts.slice(0, i + 1)))];
  return folders.flatMap((f) => [path.join(f, '.gitignore'), path.join(f, '.gitattributes')]);
}

/**
 * Where git keeps the repository of the work tree whose `.git` is `dotGit`: its own folder (a linked worktree's
 * or a submodule's, named by a `.git` file) and the folder it shares with the main work tree (`commondir`);
 * a problem where a file naming them is one git would block on; undefined where git would find no repository.
 */
export function repositoryDirs(
  dotGit: string,
): { gitDir: string; commonDir: string } | { problem: string } | undefined {
  const st = statOrUndefined(dotGit);
  if (!st) return undefined; // gone since
  let gitDir = dotGit;
  if (!st.isDirectory()) {
    const { text, problem } = readSmall(dotGit);
    if (problem) return { problem };
    const link = /^gitdir:\s*(.+?)\s*$/m.exec(text ?? '')?.[1];
    if (!link) return undefined; // git says it is no repository
    gitDir = path.resolve(path.dirname(dotGit), link);
  }
  const common = readSmall(path.join(gitDir, 'commondir'));
  if (common.problem) return { problem: common.problem };
  return { gitDir, commonDir: common.text?.trim() ? path.resolve(gitDir, common.text.trim()) : gitDir };
}

/**
 * The repository holding `dir`, found as git finds it: from the real folder (a project reached through a link
 * too). Its `.git`, its folders (repositoryDirs) and that real folder; a problem where a file naming the folders
 * would block git; undefined outside a repository.
 */
export function repositoryAt(
  dir: string,
): { real: string; dotGit: string; gitDir: string; commonDir: string } | { problem: string } | undefined {
  const real = realpathOrSelf(dir);
  const dotGit = findDotGit(real);
  const dirs = dotGit && repositoryDirs(dotGit);
  if (!dotGit || !dirs) return undefined;
  return 'problem' in dirs ? dirs : { real, dotGit, ...dirs };
}

/**
 * The repository's own config text (`commonDir/config`, or `name` there: a worktree's `config.worktree`), read as a regular file of sane size; undefined where
 * it is not there or not one.
 */
export function repositoryConfigText(commonDir: string, name = 'config'): string | undefined {
  const { text, problem } = readSmall(path.join(commonDir, name));
  return problem ? undefined : text;
}

/**
 * Why git must not be run on the repository holding `dir` (a file it reads is a FIFO, a device or too large),
 * in words; undefined when it may run, or outside a work tree.
 */
export function gitConfigHazard(dir: string): string | undefined {
  const repo = repositoryAt(dir);
  if (!repo || 'problem' in repo) return repo?.problem;
  const { real, dotGit, gitDir, commonDir } = repo;
  const read = [path.join(gitDir, 'HEAD'), path.join(commonDir, 'info', 'exclude')];
  for (const file of read) {
    const problem = notRegularFile(file, true);
    if (problem) return problem;
  }
  // in the work tree git opens these without following a link (it ignores one that is a link)
  for (const file of treeFilesAbove(path.dirname(dotGit), real)) {
    const problem = notRegularFile(file, false);
    if (problem) return problem;
  }
  const seen = new Set<string>();
  const configs = [path.join(commonDir, 'config'), path.join(gitDir, 'config.worktree'), ...machineConfigs()];
  for (const config of configs) {
    const problem = checkConfig(config, 0, seen);
    if (problem) return problem;
  }
  // the user's excludes file where core.excludesFile names none (checkConfig looks at one named)
  const xdg = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return notRegularFile(path.join(xdg, 'git', 'ignore'), true);
}
