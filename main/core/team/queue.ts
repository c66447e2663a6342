/**
 * Records that could not reach the team's bucket (offline, expired SSO, AccessDenied) wait in a private file
 * in the app-data folder and are written on the next run: nothing is lost, nothing is written twice (each
 * write is conditional, so a record already there counts as written).
 */
import fs from 'node:fs';
import path from 'node:path';
import { appendPrivate, writeFileAtomic } from '../platform/atomic-file';
import type { TeamStore } from './store';

/** One queued write. */
export interface QueuedWrite {
  key: string;
  body: string;
}

/** The queue file for a bucket's project (one per project folder name). */
export const queueFile = (dataDir: string, project: string): string =>
  path.join(dataDir, 'team-queue', `${project.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);

/** Adds writes to the queue (private file). */
export function enqueue(file: string, writes: readonly QueuedWrite[]): void {
  if (writes.length) appendPrivate(file, writes.map((w) => `${JSON.stringify(w)}\n`).join(''));
}

/** The queued writes (a torn last line is dropped). */
export function readQueue(file: string): QueuedWrite[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: QueuedWrite[] = [];
  for (const line of text.split('\n')) {
    try {
      const w = JSON.parse(line) as QueuedWrite;
      if (typeof w?.key === 'string' && typeof w.body === 'string') out.push(w);
    } catch {
      // torn or blank line
    }
  }
  return out;
}

/**
 * Writes every queued record; keeps those that still could not be written. Returns how many were written
 * (or already there) and the first failure's error, if any.
 */
export async function flushQueue(
  file: string,
  store: TeamStore,
): Promise<{ written: number; error?: unknown }> {
  const queued = readQueue(file);
  if (!queued.length) return { written: 0 };
  let written = 0;
  for (let i = 0; i < queued.length; i++) {
    try {
      await store.putOnce((queued[i] as QueuedWrite).key, (queued[i] as QueuedWrite).body);
      written++;
    } catch (error) {
      const rest = queued.slice(i);
      writeFileAtomic(file, rest.map((w) => `${JSON.stringify(w)}\n`).join(''), { mode: 0o600 });
      return { written, error };
    }
  }
  fs.rmSync(file, { force: true });
  return { written };
}
