/**
 * "What offloading freed" for the state snapshot: the journal's stops read back into a ReliefSummary. The
 * journal is re-read only when its file changed (one stat per snapshot), so a window update costs no read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryStore } from '../history';
import { reliefEvents, reliefSummary, type ReliefEvent } from '../machine/relief';
import type { ReliefSummary } from '../vocabulary';

/** How many journal entries the totals look back over (a week of a busy rule fits easily). */
const JOURNAL_LIMIT = 5000;

const cache = new WeakMap<HistoryStore, { stamp: string; events: ReliefEvent[] }>();

/** The relief summary of the project's journal at `now`; null without a project. */
export function reliefOf(history: HistoryStore | undefined, now: number = Date.now()): ReliefSummary | null {
  if (!history) return null;
  let stamp = 'none';
  try {
    const st = fs.statSync(path.join(history.projectDir, 'journal.jsonl'));
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // No journal yet: nothing was stopped.
  }
  let hit = cache.get(history);
  if (!hit || hit.stamp !== stamp) {
    hit = { stamp, events: stamp === 'none' ? [] : reliefEvents(history.readJournal(JOURNAL_LIMIT)) };
    cache.set(history, hit);
  }
  return reliefSummary(hit.events, now);
}
