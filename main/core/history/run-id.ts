/** Run ids: sortable by start time (UTC timestamp first), unique by a random suffix, safe as folder names. */
import crypto from 'node:crypto';

/** A new run id such as `20250114-093012-345-7f3a9c`; string order is start order. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2025-01-14T09:30:12.345Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return `${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Whether a string can be a run id (guards paths built from user input). */
export function isRunId(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(s) && !s.includes('..');
}
