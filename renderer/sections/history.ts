/** The History section: the last runs, newest first, with their status, duration and start time. */
import type { RunSummary } from '../../main/core/state';
import { STATUS_ICON } from '../../main/core/vocabulary';
import { el, keyedList, SectionMemo, setText } from '../dom';
import { formatDuration, formatTime } from '../format';
import { $, type Section } from '../view-context';

/** The History section. */
export function historySection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      if (!memo.changed('history', s.history.slice(0, 10))) return;
      keyedList($('history'), s.history, (r) => r.runId, createRow, updateRow, 10);
      $('history-empty').hidden = s.history.length > 0;
      const last = s.history[0];
      setText(
        $('badge-history'),
        last
          ? `${s.history.length} run(s) · last ${STATUS_ICON[last.status]} ${last.workflow} ${formatTime(last.startedAt)}`
          : 'none',
      );
    },
  };
}

function createRow(r: RunSummary): HTMLElement {
  return el(
    'li',
    { 'data-item': r.runId, tabindex: '-1' },
    el('span', { class: 'grow' }),
    el('span', { class: 'muted when' }),
  );
}

function updateRow(node: HTMLElement, r: RunSummary): void {
  setText(
    node.querySelector('.grow')!,
    `${STATUS_ICON[r.status]} ${r.workflow} ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
  );
  setText(node.querySelector('.when')!, `${formatTime(r.startedAt)} ${formatDuration(r.durationMs)}`.trim());
}
