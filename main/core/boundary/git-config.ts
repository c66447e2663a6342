/**
 * Before git runs on a repository Offload did not write: a file its configuration makes git read
 * (`include.path`, `includeIf.<cond>.path`, `core.excludesFile`, `info/exclude`) that is a FIFO or a device
 * blocks git (a FIFO with no writer) or feeds it for ever (/dev/zero) until it is killed at its time limit;
 * `offload status` would wait that long each time. Read here first, without opening anything but regular
 * files, so such a repository is listed by the folder walk instead, at once.
 */
import os from 'node:os';
import path from 'node:path';
import { fileKind, ProjectFileError, readProjectText, statOrUndefined } from './files';
import { findDotGit } from './project-paths';

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

/** Values of `include.path`, `includeIf.*.path` and `core.excludesFile` in git config text (any case). */
export function configFilePaths(text: string): { include: string[]; excludes: string[] } {
  const include: string[] = [];
  const excludes: string[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    const head = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(?:[^"\\]|\\.)*")?\s*\]\s*(.*)$/.exec(line);
    if (head) {
      section = head[1]!.toLowerCase().split('.')[0]!;
      line = head[2]!.trim(); // `[include] path = x` on one line
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1]!.toLowerCase();
    const value = configValue(kv[2]!);
    if ((section === 'include' || section === 'includeif') && key === 'path') include.push(value);
    if (section === 'core' && key === 'excludesfile') excludes.push(value);
  }
  return { include, excludes };
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

/**
 * Why git must not be run on the repository holding `dir` (a file its configuration makes it read is a FIFO,
 * a device or too large), in words; undefined when it may run, or outside a work tree.
 */
export function gitConfigHazard(dir: string): string | undefined {
  const dotGit = findDotGit(dir);
  if (!dotGit) return undefined;
  const st = statOrUndefined(dotGit);
  if (!st) return undefined; // gone since
  let gitDir = dotGit;
  if (!st.isDirectory()) {
    const { text, problem } = readSmall(dotGit);
    if (problem) return problem;
    const link = /^gitdir:\s*(.+?)\s*$/m.exec(text ?? '')?.[1];
    if (!link) return undefined; // git says it is no repository
    gitDir = path.resolve(path.dirname(dotGit), link);
  }
  const common = readSmall(path.join(gitDir, 'commondir'));
  if (common.problem) return common.problem;
  const commonDir = common.text?.trim() ? path.resolve(gitDir, common.text.trim()) : gitDir;
  const exclude = statOrUndefined(path.join(commonDir, 'info', 'exclude'));
  if (exclude && !exclude.isFile())
    return `${path.join(commonDir, 'info', 'exclude')} is ${fileKind(exclude)}, not a regular file`;
  const seen = new Set<string>();
  return (
    checkConfig(path.join(commonDir, 'config'), 0, seen) ??
    checkConfig(path.join(gitDir, 'config.worktree'), 0, seen)
  );
}
