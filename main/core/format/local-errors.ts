/**
 * The local logs' notices as the window's Errors section lists them: one row per file or command (its newest
 * notice), keyed by the notice's target item, so a click on a local-log notice lands on a row that is there.
 */
import type { Notice } from '../vocabulary/state';

/** One row of the Errors section for a local log. */
export interface LocalLogRow {
  /** The notice's target item (`local:logs/app.log`): the row's `data-item`. */
  item: string;
  at: string;
  level: Notice['level'];
  title: string;
  body: string;
}

/** Local-log rows, newest first, one per item (the state's notices are oldest first). */
export function localLogRows(notices: readonly Notice[]): LocalLogRow[] {
  const rows = new Map<string, LocalLogRow>();
  for (const n of notices) {
    if (n.source !== 'local-logs' || !n.target.item) continue;
    rows.delete(n.target.item); // re-inserted last: the newest notice of the item, in order
    rows.set(n.target.item, { item: n.target.item, at: n.at, level: n.level, title: n.title, body: n.body });
  }
  return [...rows.values()].reverse();
}
