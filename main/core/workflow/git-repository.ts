/**
 * Where git keeps the repository a project folder is in, and whether git may convert its files: the questions
 * the fingerprint's git listing asks before it lists (fingerprint-git.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runGit } from '../boundary/git';

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
  return attrs.code !== 0 || fs.existsSync(path.resolve(dir, attrs.stdout.toString('utf8').trim()));
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

/** The repository's paths (one rev-parse); undefined when git answers otherwise than a SHA-1 repository does. */
export async function locate(dir: string): Promise<Repository | 'hung' | undefined> {
  const r = await runGit(dir, [
    ...['rev-parse', '--show-prefix', '--git-path', 'index', '--git-path', 'info/attributes'],
    '--show-object-format',
  ]);
  if (r.timedOut) return 'hung';
  if (r.code !== 0) return undefined;
  // a path with a newline in it makes more lines: not one this reads
  const lines = r.stdout.toString('utf8').split('\n');
  if (lines.length !== 5 || lines[4] !== '' || lines[3] !== 'sha1') return undefined;
  return { prefix: lines[0]!, index: path.resolve(dir, lines[1]!), attributes: path.resolve(dir, lines[2]!) };
}
