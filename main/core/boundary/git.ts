/**
 * git on a project's folder, the one way Offload runs it: never on a repository whose configuration names a
 * file that would block git (a FIFO, a device: git-config.ts), which would otherwise hold a command for git's
 * whole time limit; with every program the repository could name switched off (platform/git.ts).
 */
import { gitProgram, runGit as runGitOnMachine, type GitOptions, type GitResult } from '../platform/git';
import { gitConfigHazard } from './git-config';
import { projectTree } from './project-paths';

/** runGit's answer, and why git was not run (`code` -1) where the repository's configuration would block it. */
export type ProjectGitResult = GitResult & { hazard?: string };

/**
 * Why git must not run on the repository holding `cwd` (git-config.ts), in words; undefined when it may. With
 * GIT_DIR set the user names the repository, and git reads no `.git` found here.
 */
export function gitHazard(cwd: string): string | undefined {
  return process.env.GIT_DIR ? undefined : gitConfigHazard(cwd);
}

/**
 * Runs `git args…` in the project folder `cwd` (platform/git's runGit: neutral settings, time limit, never
 * throws), or not at all where git's configuration there names a file that would block it.
 */
export async function runGit(
  cwd: string,
  args: readonly string[],
  opts: GitOptions = {},
): Promise<ProjectGitResult> {
  const hazard = gitHazard(cwd);
  if (hazard) return { code: -1, stdout: Buffer.alloc(0), hazard };
  // git from PATH, but never from a folder of the project's work tree (direnv's PATH_add, `npm run`'s
  // node_modules/.bin name such folders absolutely): a `git` the repository ships is not Offload's to run
  const tree = projectTree(cwd);
  const pathVar = opts.env?.PATH ?? process.env.PATH ?? process.env.Path;
  const program = gitProgram(pathVar, tree.outside, tree.root);
  if (!program) return { code: -1, stdout: Buffer.alloc(0) };
  return runGitOnMachine(cwd, args, { ...opts, program });
}
