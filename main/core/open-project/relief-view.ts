/**
 * What the project journal adds to the state snapshot: "what offloading freed" (the journal's stops read back
 * into a ReliefSummary) and the rule's latest actions for the window's history, beside the runs. The journal
 * is re-read only when its file changed (one stat per snapshot), so a window update costs no read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryStore } from '../history';
import type { JournalEntry } from '../history/project-events';
import { journalLines } from '../history/journal-text';
import { reliefEvents, reliefSummary, type ReliefEvent } from '../machine/relief';
import type { ReliefSummary, RuleActionLine } from '../vocabulary';

/** How many journal entries the totals look back over (a week of a busy rule fits easily). */
const JOURNAL_LIMIT = 5000;
/** How many of the rule's actions the snapshot carries. */
const ACTIONS_SHOWN = 10;
/** The entries that are something the rule (or the user through Offload) did, not an observation. */
const ACTION_KINDS: ReadonlySet<JournalEntry['kind']> = new Set([
  'rule-action',
  'config-switch',
  'stop-local-models',
  'phase6-ack',
]);

interface JournalView {
  stamp: string;
  events: ReliefEvent[];
  actions: RuleActionLine[];
}

const cache = new WeakMap<HistoryStore, JournalView>();

/** The journal as the snapshot needs it, re-read only when its file changed. */
function journalView(history: HistoryStore): JournalView {
  let stamp = 'none';
  try {
    const st = fs.statSync(path.join(history.projectDir, 'journal.jsonl'));
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // No journal yet: nothing was stopped or done.
  }
  let hit = cache.get(history);
  if (!hit || hit.stamp !== stamp) {
    const entries = stamp === 'none' ? [] : history.readJournal(JOURNAL_LIMIT);
    const actions = journalLines(entries.filter((e) => ACTION_KINDS.has(e.kind)))
      .slice(-ACTIONS_SHOWN)
      .reverse()
      .map((l) => ({ at: l.at, kind: l.kind, text: l.text }));
    hit = { stamp, events: reliefEvents(entries), actions };
    cache.set(history, hit);
  }
  return hit;
}

/** The relief summary of the project's journal at `now`; null without a project. */
export function reliefOf(history: HistoryStore | undefined, now: number = Date.now()): ReliefSummary | null {
  return history ? reliefSummary(journalView(history).events, now) : null;
}

/** The rule's latest actions, newest first (what it stopped, switched, verified or offered, and why). */
export function ruleActionsOf(history: HistoryStore | undefined): RuleActionLine[] {
  return history ? journalView(history).actions : [];
}
