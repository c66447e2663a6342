/**
 * The Team section (offload.yml `team:`): the last deploy of each environment (who, when, commit, from
 * where), a deploy lock held by someone else, and teammates' recent failed runs. Data only: the core reads
 * the team's bucket every minute and after each run; this renders its latest read.
 */
import { teamViewLines, type TeamLine } from '../../main/core/format';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { $, type Section } from '../view-context';

/** How many lines the section shows. */
const SHOWN = 12;

/** The Team section; hidden without `team:` in offload.yml. */
export function teamSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      const mine = s.run?.status === 'running' ? s.run.runId : undefined;
      const lines = teamViewLines(s.team, { myRunId: mine, failed: 5 });
      if (!memo.changed('team', [s.team === undefined, lines])) return;
      $('view-team').hidden = s.team === undefined;
      keyedList($('team'), lines, (l) => l.id, createRow, updateRow, SHOWN);
      $('team-empty').hidden = lines.length > 0;
      const failed = s.team?.failedRuns?.length ?? 0;
      const lock = lines.some((l) => l.id === 'lock');
      setText(
        $('badge-team'),
        s.team?.unreachable
          ? 'unreachable'
          : [lock ? 'locked' : '', failed ? `${failed} failed run(s)` : ''].filter(Boolean).join(' · ') ||
              (s.team ? `${s.team.lastDeploys.length} environment(s)` : 'not read yet'),
      );
    },
  };
}

function createRow(l: TeamLine): HTMLElement {
  return el('li', { 'data-item': l.id, tabindex: '-1' });
}

function updateRow(node: HTMLElement, l: TeamLine): void {
  setText(node, l.text);
  setAttr(node, 'class', l.tone === 'ok' ? '' : l.tone);
}
