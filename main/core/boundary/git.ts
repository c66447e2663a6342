/**
 * git on a project's folder, the one way Offload runs it: never on a repository whose configuration names a
 * file that would block git (a FIFO, a device: git-config.ts), which would otherwise hold a command for git's
 * whole time limit; with every program the repository could name switched off (platform/git.ts).
 */
import {
  GIT_TIMEOUT_MS,
  gitProgram,
  runGit as runGitOnMachine,
  type GitOptions,
  type GitResult,
} from '../platform/git';
import { gitConfigHazard } from './git-config';
import { projectTree } from './project-paths';

/** runGit's answer, and why git was not run or stopped (`code` -1) where a file it reads would block it. */
export type ProjectGitResult = GitResult & { hazard?: string };

/** How long an answer of gitHazard holds: one command's git calls look once; a watch looks again later. */
const CHECKED_MS = 1000;
/** How long git is not run again on a repository where it was found blocked (a FIFO deeper in the tree). */
const BLOCKED_MS = 5 * 60_000;
const checked = new Map<string, { at: number; hazard?: string }>();
const blocked = new Map<string, { at: number; hazard: string }>();

/**
 * Why git must not run on the repository holding `cwd` (git-config.ts; or git was found blocked there in the
 * last minutes), in words; undefined when it may. With GIT_DIR set the user names the repository, and git reads
 * no `.git` found here.
 */
export function gitHazard(cwd: string): string | undefined {
  if (process.env.GIT_DIR) return undefined;
  const now = Date.now();
  const stuck = blocked.get(cwd);
  if (stuck && now - stuck.at < BLOCKED_MS) return stuck.hazard;
  const seen = checked.get(cwd);
  if (seen && now - seen.at < CHECKED_MS) return seen.hazard;
  const hazard = gitConfigHazard(cwd);
  if (checked.size >= 64) checked.clear();
  checked.set(cwd, { at: now, hazard });
  return hazard;
}

/** Why git stopped: it waited on a FIFO (platform/git.ts saw it), or ran past its time limit. */
function blockedReason(r: GitResult): string {
  return r.blockedOnFifo
    ? 'git waited to open a named pipe (FIFO) it reads here, and was stopped (find it with `find . -type p`)'
    : `git did not answer within ${GIT_TIMEOUT_MS / 1000} s and was stopped (a file it reads may be a named pipe or a device: \`find . -type p\`)`;
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
  const r = await runGitOnMachine(cwd, args, { ...opts, program });
  if (!r.timedOut) return r;
  // git is not run here again for a while: each command would wait as long (`offload run` asks git often)
  const stopped = blockedReason(r);
  if (blocked.size >= 64) blocked.clear();
  blocked.set(cwd, { at: Date.now(), hazard: stopped });
  return { ...r, hazard: stopped };
}
