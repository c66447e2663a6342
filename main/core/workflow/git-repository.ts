/**
 * Where git keeps the repository a project folder is in, and whether git may convert its files: the questions
 * the fingerprint's git listing asks before it lists (fingerprint-git.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runGit } from '../boundary/git';
import { configEntries, repositoryAt, repositoryConfigText } from '../boundary/git-config';
import { realpathOrSelf } from '../boundary/project-paths';

/**
 * Whether git may convert content or run a filter program here: a filter driver or CRLF conversion in the
 * configuration. (The user's and the system's attributes files are switched off for the listing; an
 * attributes file in the tree is seen in the listing itself, the repository's info/attributes by the caller.)
 */
export async function configMayConvert(dir: string): Promise<boolean | 'hung'> {
  const config = await runGit(dir, ['config', '-z', '--get-regexp', '^(filter\\..*|core\\.autocrlf)$']);
  if (config.timedOut) return 'hung';
  if (config.code === 1) return false; // nothing matched
  if (config.code !== 0) return true;
  // only `core.autocrlf false`: nothing converts either
  const entries = config.stdout.toString('utf8').split('\0').filter(Boolean);
  return entries.some((e) => !/^core\.autocrlf\n(false|0|no|off)$/i.test(e));
}

/** Whether the repository has an info/attributes file (or git cannot say where it would be). */
export async function infoAttributes(dir: string, repo: Repository | undefined): Promise<boolean> {
  if (repo) return fs.existsSync(repo.attributes);
  const attrs = await runGit(dir, ['rev-parse', '--git-path', 'info/attributes']);
  return (
    attrs.code !== 0 || fs.existsSync(path.resolve(realpathOrSelf(dir), attrs.stdout.toString('utf8').trim()))
  );
}

/** Whether `file` is a regular file or is not there (a FIFO or device where git reads its index blocks it). */
export function regularOrAbsent(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return true; // not there: git makes do without one
  }
}

/** Where git keeps this work tree's index, and the project folder's path in the repository. */
export interface Repository {
  index: string;
  prefix: string;
  attributes: string;
}

/**
 * Environment variables that change where git finds the repository, its index or its settings: where one is
 * set, git itself is asked.
 */
const GIT_LOCATION_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
];

/**
 * The repository's paths as git would give them (`rev-parse --show-prefix --git-path index --git-path
 * info/attributes`), read from the files git reads: no git started, whose start costs `offload status` ~10 ms
 * on the way to the stat pass (issue 20). Undefined wherever git might answer otherwise: a location set in the
 * environment, a config that includes others, or one that sets the work tree, a bare repository, per-worktree
 * settings or an object format other than SHA-1. git is then asked.
 */
export function locateFromFiles(dir: string, env: NodeJS.ProcessEnv = process.env): Repository | undefined {
  if (GIT_LOCATION_ENV.some((k) => env[k] !== undefined)) return undefined;
  const dirs = repositoryAt(dir);
  if (!dirs || 'problem' in dirs) return undefined;
  const text = repositoryConfigText(dirs.commonDir);
  if (text === undefined) return undefined;
  const settings = new Map(configEntries(text));
  if (
    settings.has('include.path') ||
    settings.has('includeif.path') ||
    settings.has('core.worktree') ||
    !['false', undefined].includes(settings.get('core.bare')?.toLowerCase()) ||
    settings.has('extensions.worktreeconfig') ||
    !['sha1', undefined].includes(settings.get('extensions.objectformat')?.toLowerCase())
  )
    return undefined;
  const rel = path.relative(realpathOrSelf(path.dirname(dirs.dotGit)), dirs.real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return {
    prefix: rel ? `${rel.split(path.sep).join('/')}/` : '',
    index: path.join(dirs.gitDir, 'index'),
    attributes: path.join(dirs.commonDir, 'info', 'attributes'),
  };
}

/**
 * Whether the repository's own config moves its work tree elsewhere (`core.worktree`, in its config or a
 * worktree's `config.worktree`): git would then list another folder's files (`/usr`…) as the project's. The
 * fingerprint walks the project folder instead.
 */
export function movesWorkTree(dir: string): boolean {
  const dirs = repositoryAt(dir);
  if (!dirs || 'problem' in dirs) return false;
  const texts = [repositoryConfigText(dirs.commonDir), repositoryConfigText(dirs.gitDir, 'config.worktree')];
  return texts.some((t) => t !== undefined && configEntries(t).some(([name]) => name === 'core.worktree'));
}

/** The repository's paths (read from its files, else one rev-parse); undefined when git answers otherwise than a SHA-1 repository does. */
export async function locate(dir: string): Promise<Repository | 'hung' | undefined> {
  return locateFromFiles(dir) ?? locateWithGit(dir);
}

/** The repository's paths (one rev-parse); undefined when git answers otherwise than a SHA-1 repository does. */
export async function locateWithGit(dir: string): Promise<Repository | 'hung' | undefined> {
  const r = await runGit(dir, [
    ...['rev-parse', '--show-prefix', '--git-path', 'index', '--git-path', 'info/attributes'],
    '--show-object-format',
  ]);
  if (r.timedOut) return 'hung';
  if (r.code !== 0) return undefined;
  // a path with a newline in it makes more lines: not one this reads
  const lines = r.stdout.toString('utf8').split('\n');
  if (lines.length !== 5 || lines[4] !== '' || lines[3] !== 'sha1') return undefined;
  // git's relative paths are from the real folder it ran in: `..` from a folder reached through a link is not
  // the link's parent
  const real = realpathOrSelf(dir);
  return {
    prefix: lines[0]!,
    index: path.resolve(real, lines[1]!),
    attributes: path.resolve(real, lines[2]!),
  };
}
