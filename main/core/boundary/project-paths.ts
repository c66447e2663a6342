/**
 * Whether a path is the project's: the one place that resolves a path as the file system will (`..`, absolute
 * paths and symlinks followed), says whether it lands inside a folder, and finds the git work tree holding a
 * folder. Paths offload.yml names (a switched file, a step's template, a local log) are refused when they land
 * outside the project, so an untrusted offload.yml can never make Offload write a shell rc file, deploy a file
 * of another project or follow the user's other files. Validate, the run, the switch and the log watch all ask
 * here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The real path of `p`, or of its nearest existing parent joined with the rest (a file not created yet). */
export function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realpathOrSelf(parent), path.basename(p));
  }
}

/** `p` is `root` itself or below it (both absolute; real paths where links matter). A `..x` name is below. */
export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The `.git` (folder, or file for worktrees and submodules) at or above `dir`; undefined outside a work tree.
 * With `belowHome`, the walk stops before the home folder and a file system root: a dotfiles repository there
 * is no project's monorepo (it would let a template be any file of the user's).
 */
export function findDotGit(dir: string, o: { belowHome?: boolean } = {}): string | undefined {
  const home = o.belowHome ? realpathOrSelf(os.homedir()) : undefined;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const top = path.dirname(d) === d;
    if (home !== undefined && (d === home || top)) return undefined;
    const dotGit = path.join(d, '.git');
    if (fs.existsSync(dotGit)) return dotGit;
    if (top) return undefined;
  }
}

/** The nearest folder at or above `dir` holding a `.git`, below the home folder: the work tree root. */
export function gitWorkTreeRoot(dir: string): string | undefined {
  const dotGit = findDotGit(dir, { belowHome: true });
  return dotGit === undefined ? undefined : path.dirname(dotGit);
}

/**
 * The work tree holding `dir` (its real path; `dir` itself outside one) and whether a folder lies outside it:
 * PATH folders a program Offload runs may come from (boundary/git.ts, init's probes), never the repository's.
 */
export function projectTree(dir: string): { root: string; outside(folder: string): boolean } {
  // from the real folder, as git finds its repository (a project reached through a link too)
  const real = realpathOrSelf(dir);
  const root = realpathOrSelf(gitWorkTreeRoot(real) ?? real);
  return { root, outside: (folder) => !isWithin(root, realpathOrSelf(folder)) };
}

/** Where a path named in offload.yml resolves, and why it is refused when it is. */
export interface ProjectPath {
  /** The real path it resolves to (a file not there yet: its nearest existing folder's real path joined). */
  target: string;
  /** Why it is refused (`…resolves to X, outside the project folder D…`); undefined when it may be used. */
  outside?: string;
}

/**
 * Resolves `p` (relative to the project folder `dir`). Inside means a file below the project folder, or with
 * `gitRoot`, below the git work tree holding it (a monorepo's CDK app beside the project folder). `what` ends
 * the refusal: what Offload only does inside (`switches files`, `deploys templates`).
 */
export function resolveProjectPath(
  dir: string,
  p: string,
  o: { what: string; gitRoot?: boolean },
): ProjectPath {
  const realDir = realpathOrSelf(path.resolve(dir));
  const target = realpathOrSelf(path.resolve(dir, p));
  if (target !== realDir && isWithin(realDir, target)) return { target };
  const repo = o.gitRoot ? gitWorkTreeRoot(realDir) : undefined;
  if (repo && target !== repo && isWithin(repo, target)) return { target };
  const lexical = path.resolve(realDir, p);
  const how =
    isWithin(realDir, lexical) || (repo !== undefined && isWithin(repo, lexical))
      ? ' (through a symbolic link)'
      : '';
  const where = repo
    ? `the project folder ${realDir} and its git work tree ${repo}`
    : `the project folder ${realDir}`;
  return {
    target,
    outside: `${p} resolves to ${target}, outside ${where}${how}; Offload only ${o.what} inside the project`,
  };
}
