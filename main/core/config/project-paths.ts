/**
 * Paths offload.yml names (a switched file, a step's template) are the project's: each is resolved as the file
 * system will (`..`, absolute paths and symlinks followed) and refused when it lands outside the project, so
 * an untrusted offload.yml can never make Offload write a shell rc file or deploy a file of another project.
 * One place decides for validate and for the run.
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

/**
 * The nearest folder at or above `dir` holding a `.git` (folder, or file for a worktree): the work tree root.
 * Not the home folder or a file system root (a dotfiles repository there is no project's monorepo: it would
 * let a template be any file of the user's).
 */
export function gitWorkTreeRoot(dir: string): string | undefined {
  const home = realpathOrSelf(os.homedir());
  for (let d = dir; ; d = path.dirname(d)) {
    if (d === home || path.dirname(d) === d) return undefined;
    if (fs.existsSync(path.join(d, '.git'))) return d;
  }
}

/** `p` is `root` itself or below it. */
const within = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

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
  if (target !== realDir && within(realDir, target)) return { target };
  const repo = o.gitRoot ? gitWorkTreeRoot(realDir) : undefined;
  if (repo && target !== repo && within(repo, target)) return { target };
  const lexical = path.resolve(realDir, p);
  const how =
    within(realDir, lexical) || (repo !== undefined && within(repo, lexical))
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
