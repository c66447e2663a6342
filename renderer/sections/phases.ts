/**
 * The phases of the last run inside the Workflow section: one row per phase of the rule (icon, step now
 * running, steps done and time, why it failed), phase 6's watch on the monitor row, and the live tail.
 */
import type { OffloadState, PhaseSnapshot, RunSnapshot } from '../../main/core/state';
import { phase6Of, relativeTime, type Phase6View } from '../../main/core/format';
import { PHASES, PHASE_TITLES, STATUS_ICON, type PhaseId, type Status } from '../../main/core/vocabulary';
import { el, keyedList, type SectionMemo, setAttr, setText, shown } from '../dom';
import { formatDuration, formatTime } from '../format';
import { $ } from '../view-context';

const PHASE_SHORT: Record<PhaseId, string> = {
  local: 'Local',
  'aws-prepare': 'AWS prepare',
  'aws-deploy': 'AWS deploy',
  'aws-test': 'AWS test',
  shutdown: 'Shutdown',
  monitor: 'Monitor',
};
const TAIL_LINES = 40;

interface PhaseRow {
  id: PhaseId;
  phase: PhaseSnapshot | undefined;
}

/** Renders the phase rows, the section's badge and the tail when their slice of `s` changed. */
export function renderPhases(memo: SectionMemo, s: OffloadState): void {
  const run = s.run;
  const p6 = phase6Of(s);
  if (
    !memo.changed('phases', [
      run ? [run.runId, run.status, run.current, run.phases] : null,
      p6 ? [p6.status, p6.since, p6.quietUntil, p6.reason] : null,
    ])
  )
    return;
  const now = Date.now();
  const byId = new Map<string, PhaseSnapshot>((run?.phases ?? []).map((p) => [p.id, p]));
  const rows: PhaseRow[] = PHASES.map((id) => ({ id, phase: byId.get(id) }));
  keyedList(
    $('phases'),
    rows,
    (r) => r.id,
    createRow,
    (node, r) => updateRow(node, r, run, p6, now),
  );
  setAttr($('phases'), 'data-run', run?.runId ?? null);
  setText(
    $('badge-phases'),
    run
      ? `${STATUS_ICON[run.status]} ${run.workflow}${run.durationMs ? ` · ${formatDuration(run.durationMs)}` : ''}`
      : 'no run yet',
  );
  renderTail(run);
}

function createRow(r: PhaseRow): HTMLElement {
  return el(
    'li',
    { 'data-phase': r.id, tabindex: '-1' },
    el('span', { class: 'icon', 'aria-hidden': 'true' }),
    el('span', { class: 'name' }, PHASE_SHORT[r.id]),
    el('span', { class: 'muted step' }),
    el('span', { class: 'muted meta' }),
    el('span', { class: 'reason' }),
  );
}

function updateRow(
  node: HTMLElement,
  r: PhaseRow,
  run: RunSnapshot | null,
  p6: Phase6View | undefined,
  now: number,
): void {
  const status: Status | 'skipped' = r.phase?.status ?? (run ? 'skipped' : 'pending');
  setText(node.querySelector('.icon')!, status === 'skipped' ? '–' : STATUS_ICON[status]);
  setAttr(node, 'data-status', status);
  const cur = run?.current?.phase === r.id && run.status === 'running' ? `— ${run.current.step}` : '';
  const failedStep = r.phase?.steps.find((st) => st.status === 'failed');
  const reason =
    r.phase?.reason ??
    (failedStep ? `${failedStep.name}: ${failedStep.summary ?? failedStep.reason ?? 'failed'}` : '');
  setText(node.querySelector('.step')!, cur);
  setText(node.querySelector('.reason')!, reason);
  setAttr(node, 'class', status);
  let meta = r.phase ? phaseMeta(r.phase, now) : status === 'skipped' ? 'not in run' : '';
  if (r.id === 'monitor' && p6 && p6.status !== 'idle') meta = phase6Meta(p6, now);
  setText(node.querySelector('.meta')!, meta);
  setAttr(node, 'title', PHASE_TITLES[r.id]);
  setAttr(
    node,
    'aria-label',
    `${PHASE_TITLES[r.id]}: ${status === 'skipped' ? 'not in this workflow' : status}${meta ? `, ${meta}` : ''}${cur ? `, now ${run!.current!.step}` : ''}${reason ? `, ${reason}` : ''}`,
  );
}

/**
 * The live output while a step runs; a finished run says why it failed in its phase row instead. The output is
 * the project's raw text: escape sequences dropped and control and bidi characters shown as ⟨U+XXXX⟩ by the
 * same function as the CLI's (`shown`), so a bidi override cannot reorder what the user reads (Trojan Source).
 */
function renderTail(run: RunSnapshot | null): void {
  const tail = $('tail');
  const text = shown((run?.tail ?? []).slice(-TAIL_LINES).join('\n'));
  tail.hidden = run?.status !== 'running';
  if (tail.textContent === text) return;
  const atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
  tail.textContent = text;
  if (atBottom) tail.scrollTop = tail.scrollHeight;
}

/** "2/3 steps · 1m05s" for a phase of a run. */
function phaseMeta(p: PhaseSnapshot, now: number): string {
  const total = p.steps.length;
  const done = p.steps.filter((st) => st.status !== 'pending' && st.status !== 'running').length;
  let ms = 0;
  for (const st of p.steps) {
    if (st.durationMs !== undefined) ms += st.durationMs;
    else if (st.status === 'running' && st.startedAt) ms += Math.max(0, now - Date.parse(st.startedAt));
  }
  const steps = p.status === 'running' || p.status === 'failed' ? `${done}/${total}` : String(total);
  return `${steps} step${total === 1 ? '' : 's'}${ms ? ` · ${formatDuration(ms)}` : ''}`;
}

/** Phase 6 in a few words: "watching, quiet in 12 min", "stable for 2 h", "unstable since 14:02". */
function phase6Meta(p6: Phase6View, now: number): string {
  switch (p6.status) {
    case 'watching':
      return `watching, quiet in ${relativeTime(p6.quietUntil, now)}`;
    case 'stable':
      return `stable since ${formatTime(p6.since)}`;
    case 'unobserved':
      return p6.reason ?? 'not observed';
    case 'unstable':
      return `unstable since ${formatTime(p6.since ?? p6.firstError?.at)}`;
    default:
      return '';
  }
}
