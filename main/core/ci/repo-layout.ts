/**
 * Where a CI file goes: GitHub reads workflows only at the repository's root, GitLab its root `.gitlab-ci.yml`,
 * CodeBuild `buildspec.yml` at the source root unless told otherwise. So the files are laid out from the git
 * top level, with the project's own folder (a monorepo's `services/api`) as the jobs' working directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runGit } from '../boundary/git';
import { isWithin } from '../boundary/project-paths';

/** The repository's root and the project folder inside it. */
export interface CiLayout {
  /** The folder CI files are written under: the git top level, else the project folder (no git). */
  root: string;
  /** The project folder relative to `root`, with `/` separators; '' when the project is at the root. */
  subdir: string;
}

/** Why a CI file cannot be laid out for this project (said to the user as is). */
export class CiLayoutError extends Error {}

/**
 * Characters a folder name may have to be written into CI files literally: GitHub evaluates `${{ … }}` in
 * working-directory, shells expand `$`, and path filters read `*`, `?`, `[` and `!` as patterns.
 */
const PLAIN_PATH = /^[A-Za-z0-9._@+ /-]+$/;

/** The layout for the project folder `dir`: asks git for its top level (no repository: the folder itself). */
export async function ciLayout(dir: string): Promise<CiLayout> {
  const project = fs.realpathSync(dir);
  const top = await runGit(project, ['rev-parse', '--show-toplevel']);
  const text = top.code === 0 ? top.stdout.toString('utf8').trim() : '';
  if (!text) return { root: dir, subdir: '' };
  const root = fs.realpathSync(text);
  const rel = path.relative(root, project);
  if (rel === '') return { root: dir, subdir: '' };
  if (!isWithin(root, project))
    throw new CiLayoutError(
      `the project folder ${project} is outside its git repository ${root} (a symbolic link, or GIT_DIR/GIT_WORK_TREE naming another work tree); CI files are written only inside the repository, nothing was written`,
    );
  const subdir = rel.split(path.sep).join('/');
  if (!PLAIN_PATH.test(subdir))
    throw new CiLayoutError(
      `the project folder '${subdir}' has characters a CI file cannot hold literally (only letters, digits, space and . _ @ + - /); nothing was written`,
    );
  return { root, subdir };
}

/** A file-name-safe word for a project folder (`services/api` → `services-api`). */
export function folderSlug(subdir: string): string {
  return (
    subdir
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'project'
  );
}

/** A folder as one shell word (single-quoted). */
export const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
