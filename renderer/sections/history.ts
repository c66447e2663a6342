/**
 * The History section: the last runs and, beside them, what the rule did (stopped, switched, verified,
 * offered, acknowledged), newest first, so a run and the rule's action it led to read as one timeline.
 */
import type { RunSummary } from '../../main/core/state';
import { STATUS_ICON, type RuleActionLine } from '../../main/core/vocabulary';
import { el, keyedList, SectionMemo, setText } from '../dom';
import { formatDuration, formatTime } from '../format';
import { $, type Section } from '../view-context';

/** How many entries the section shows. */
const SHOWN = 10;

/** One line of the timeline: a run, or one of the rule's actions. */
type Entry = { key: string; at: string; run?: RunSummary; action?: RuleActionLine };

/** Runs and the rule's actions, newest first. */
export function timeline(runs: readonly RunSummary[], actions: readonly RuleActionLine[]): Entry[] {
  return [
    ...runs.slice(0, SHOWN).map((r) => ({ key: r.runId, at: r.startedAt, run: r })),
    ...actions.map((a, i) => ({ key: `action:${a.at}:${i}`, at: a.at, action: a })),
  ]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, SHOWN);
}

/** The History section. */
export function historySection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      const actions = s.ruleActions ?? [];
      if (!memo.changed('history', [s.history.slice(0, SHOWN), actions])) return;
      const entries = timeline(s.history, actions);
      keyedList($('history'), entries, (e) => e.key, createRow, updateRow, SHOWN);
      $('history-empty').hidden = entries.length > 0;
      const last = s.history[0];
      setText(
        $('badge-history'),
        last
          ? `${s.history.length} run(s) · last ${STATUS_ICON[last.status]} ${last.workflow} ${formatTime(last.startedAt)}`
          : actions.length
            ? `${actions.length} rule action(s)`
            : 'none',
      );
    },
  };
}

function createRow(e: Entry): HTMLElement {
  return el(
    'li',
    { 'data-item': e.run ? e.run.runId : e.key, tabindex: '-1', class: e.action ? 'rule-action' : '' },
    el('span', { class: 'grow' }),
    el('span', { class: 'muted when' }),
  );
}

function updateRow(node: HTMLElement, e: Entry): void {
  if (e.run) {
    const r = e.run;
    setText(
      node.querySelector('.grow')!,
      `${STATUS_ICON[r.status]} ${r.workflow} ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
    );
    setText(
      node.querySelector('.when')!,
      `${formatTime(r.startedAt)} ${formatDuration(r.durationMs)}`.trim(),
    );
    return;
  }
  setText(node.querySelector('.grow')!, `⚙ ${e.action!.text}`);
  setText(node.querySelector('.when')!, formatTime(e.action!.at));
}
