/**
 * The source fingerprint gates compare: what would be deployed. In a git work tree it is the committed tree
 * of the project folder, a hash of `git diff HEAD` (binary) and of the untracked, non-ignored files' contents,
 * and the config's hash. Without git: a content hash of the project tree (build and dependency folders skipped).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A fingerprint and the parts it is made of (so a gate can say *what* changed). */
export interface Fingerprint {
  value: string;
  source: 'git' | 'content';
  parts: { head: string; changes: string; config: string };
}

/** Folders never part of a content fingerprint. */
export const SKIPPED_DIRS: readonly string[] = [
  '.git',
  'node_modules',
  'dist',
  'build',
  '.venv',
  '__pycache__',
  'target',
];

/** Runs git, feeding stdout to `onData`; resolves to the exit code (-1 when git is missing). */
function git(
  cwd: string,
  args: string[],
  onData?: (b: Buffer) => void,
): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    let text = '';
    const child = spawn('git', ['-c', 'core.quotepath=off', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    });
    child.stdout.on('data', (b: Buffer) => {
      if (onData) onData(b);
      else text += b.toString('utf8');
    });
    child.on('error', () => resolve({ code: -1, text: '' }));
    child.on('close', (code) => resolve({ code: code ?? -1, text }));
  });
}

function hashFile(hash: crypto.Hash, file: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      const st = fs.lstatSync(file);
      if (st.isSymbolicLink()) {
        hash.update(`link:${fs.readlinkSync(file)}\0`);
        return resolve();
      }
      if (!st.isFile()) return resolve();
      hash.update(`size:${st.size}\0`);
    } catch {
      hash.update('missing\0');
      return resolve();
    }
    const s = fs.createReadStream(file);
    s.on('data', (b) => hash.update(b));
    s.on('error', () => resolve());
    s.on('end', () => resolve());
  });
}

async function gitFingerprint(dir: string): Promise<{ head: string; changes: string } | undefined> {
  // Independent git commands run concurrently; a diff that turns out not to be needed is discarded.
  const diffChunks: Buffer[] = [];
  const [inside, head, diff, others] = await Promise.all([
    git(dir, ['rev-parse', '--is-inside-work-tree']),
    git(dir, ['rev-parse', 'HEAD:./']),
    git(dir, ['diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff', '--', '.'], (b) =>
      diffChunks.push(b),
    ),
    git(dir, ['ls-files', '--others', '--exclude-standard', '-z', '--', '.']),
  ]);
  if (inside.code !== 0 || inside.text.trim() !== 'true') return undefined;
  const hasHead = head.code === 0;
  const changes = crypto.createHash('sha256');
  let list = others;
  if (hasHead) {
    changes.update('diff\0');
    if (diff.code !== 0) return undefined;
    for (const b of diffChunks) changes.update(b);
  } else {
    // No commit yet: every tracked or untracked file counts as a change.
    list = await git(dir, ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.']);
  }
  if (list.code !== 0) return undefined;
  const files = [...new Set(list.text.split('\0').filter(Boolean))].sort();
  for (const f of files) {
    changes.update(`file:${f}\0`);
    await hashFile(changes, path.join(dir, f));
  }
  return { head: hasHead ? head.text.trim() : 'no-commit', changes: changes.digest('hex') };
}

async function contentFingerprint(dir: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.includes(e.name)) continue;
        await walk(r);
      } else {
        hash.update(`file:${r}\0`);
        await hashFile(hash, path.join(dir, r));
      }
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** Computes the fingerprint of a project folder with its config hash. Never throws. */
export async function computeFingerprint(dir: string, configHash: string): Promise<Fingerprint> {
  const g =
    insideGitWorkTree(dir) || process.env.GIT_DIR
      ? await gitFingerprint(dir).catch(() => undefined)
      : undefined;
  const parts = g
    ? { head: g.head, changes: g.changes, config: configHash }
    : { head: 'none', changes: await contentFingerprint(dir), config: configHash };
  const value = crypto
    .createHash('sha256')
    .update(`${g ? 'git' : 'content'}\0${parts.head}\0${parts.changes}\0${parts.config}`)
    .digest('hex');
  return { value, source: g ? 'git' : 'content', parts };
}

/** Whether a `.git` (folder, or file for worktrees and submodules) exists here or above: no git spawn otherwise. */
function insideGitWorkTree(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** What differs between two fingerprints, in words ("offload.yml changed", "new commit", "files changed"). */
export function describeChange(now: Fingerprint['parts'], then: Fingerprint['parts'] | undefined): string {
  if (!then) return 'files changed since';
  const what: string[] = [];
  if (now.config !== then.config) what.push('the config changed');
  if (now.head !== then.head)
    what.push(now.head === 'none' || then.head === 'none' ? 'files changed' : 'new commits');
  if (now.changes !== then.changes && !what.includes('files changed')) what.push('files changed');
  return what.length ? `${what.join(', ')} since` : 'files changed since';
}
