/**
 * The Workflow section: a button per workflow (off, and saying why, when its gates refuse it), the trust
 * row of an untrusted project, and the phases of the last run with the live output of the running step.
 */
import type { OffloadState } from '../../main/core/state';
import { workflowLabel, workflowShortLabel } from '../../main/core/format';
import { problemPlace } from '../../main/core/vocabulary';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { $, type Section } from '../view-context';
import { renderPhases } from './phases';

/** The Workflow section. */
export function workflowSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      renderWorkflows(memo, s);
      renderTrust(memo, s);
      renderPhases(memo, s);
    },
  };
}

function renderWorkflows(memo: SectionMemo, s: OffloadState): void {
  const running = s.run?.status === 'running';
  if (!memo.changed('workflows', [s.workflows, running, s.project?.dir, s.configProblems.length])) return;
  keyedList(
    $('workflows'),
    s.workflows,
    (w) => w.name,
    (w) => el('button', { type: 'button', class: 'small', 'data-workflow': w.name }),
    (node, w) => {
      const btn = node as HTMLButtonElement;
      const label = workflowLabel(w.name);
      setText(btn, workflowShortLabel(w.name));
      setAttr(btn, 'aria-label', label);
      btn.disabled = running || !w.allowed;
      setAttr(btn, 'title', w.allowed ? label : `${label}: ${w.reason ?? 'not allowed now'}`);
    },
    20,
  );
  const line = $('workflow-reason');
  const reason = workflowReason(s);
  setText(line, reason);
  setAttr(line, 'title', reason || null);
  line.hidden = !reason;
  ($('cancel-run') as HTMLButtonElement).disabled = !running;
  $('cancel-run').hidden = !running;
}

/** Why nothing or some workflows can start: no project, offload.yml's first problem, or each refusal. */
function workflowReason(s: OffloadState): string {
  if (!s.project) {
    const p = s.configProblems[0];
    return p
      ? `offload.yml: ${p.message} (${problemPlace(p)})`
      : 'No project chosen: choose a folder with an offload.yml, or create one there.';
  }
  const blocked = s.workflows.filter((w) => !w.allowed && w.reason);
  if (!blocked.length || s.run?.status === 'running') return '';
  return blocked.map((w) => `${workflowShortLabel(w.name)}: ${w.reason}`).join(' · ');
}

// Untrusted, the project is read-only: say why and what it would do, and offer the Trust action.
function renderTrust(memo: SectionMemo, s: OffloadState): void {
  const t = s.trust;
  if (!memo.changed('trust', t ?? null)) return;
  $('trust-row').hidden = !t || t.trusted;
  if (!t || t.trusted) return;
  setText(
    $('trust-reason'),
    t.reason === 'changed'
      ? 'offload.yml changed what it runs since you trusted it. Nothing runs until you trust it again.'
      : 'This project is not trusted yet: its offload.yml runs commands with your rights. Nothing runs until you trust it.',
  );
  $('trust-actions').replaceChildren(...t.actions.map((a) => el('li', {}, a)));
}
