/**
 * The status window's view over state snapshots: one component per section of the page (renderer/sections/),
 * each re-rendering only when its slice of the state changed; lists are keyed and bounded, and every control
 * is a real button. Commands go through the bridge (`window.offload`), never anywhere else.
 */
import type { OffloadApi, ViewTarget } from '../preload/api';
import type { OffloadState } from '../main/core/state';
import { attention, localLogRows, phase6Of } from '../main/core/format';
import { wireControls } from './controls';
import { SectionMemo } from './dom';
import { Folds, type Fold } from './folds';
import { awsSection } from './sections/aws';
import { errorsSection } from './sections/errors';
import { fitSection } from './sections/fit';
import { headerSection } from './sections/header';
import { historySection } from './sections/history';
import { teamSection } from './sections/team';
import { machineSection } from './sections/machine';
import { modelsSection } from './sections/models';
import { workflowSection } from './sections/workflow';
import { $, createViewContext, type Section } from './view-context';

/** The mounted view: feed it states and navigation targets. */
export interface StatusView {
  render(state: OffloadState): void;
  navigate(target: ViewTarget): void;
}

// If the window would scroll, fold what matters least first (never the section needing attention).
const SQUEEZE: readonly Fold[] = ['history', 'machine', 'aws', 'models', 'phases', 'errors'];

/** Mounts the view on the page's static skeleton (index.html) and wires its buttons to `api`. */
export function mountView(api: OffloadApi): StatusView {
  const ctx = createViewContext(api);
  let state: OffloadState | null = null;
  wireControls(ctx, () => state);
  const memo = new SectionMemo();
  const folds = new Folds();
  const header = headerSection();
  // In the page's order, top to bottom.
  const sections: Section[] = [
    machineSection(),
    modelsSection(ctx),
    workflowSection(),
    awsSection(),
    fitSection(),
    errorsSection(),
    teamSection(),
    historySection(),
  ];
  const main = document.querySelector('main')!;

  return {
    render(s) {
      state = s;
      const a = attention(s);
      header.render(s, a);
      const defaults = foldDefaults(s);
      if (memo.changed('folds', defaults)) folds.apply(defaults);
      for (const section of sections) section.render(s);
      folds.fit(main, SQUEEZE, a.view);
      document.body.dataset.ready = 'true';
    },
    navigate(target) {
      const section = document.getElementById(`view-${target.view}`);
      if (!section) return;
      folds.reveal(target.view);
      document.body.dataset.view = target.view;
      for (const old of Array.from(document.querySelectorAll('.highlight')))
        old.classList.remove('highlight');
      let focus: HTMLElement = section;
      if (target.item) {
        const found =
          target.view === 'phases' && $('phases').dataset.run === target.item
            ? $('phases')
            : section.querySelector<HTMLElement>(`[data-item="${CSS.escape(target.item)}"]`);
        if (found) focus = found;
      }
      focus.classList.add('highlight');
      if (!focus.hasAttribute('tabindex')) focus.setAttribute('tabindex', '-1');
      focus.scrollIntoView({ block: 'nearest' });
      focus.focus({ preventScroll: true });
    },
  };
}

/** Until the user toggles a section, it is open when it has something to show or that needs attention. */
function foldDefaults(s: OffloadState): Partial<Record<Fold, boolean>> {
  const aws = s.aws;
  const p6 = phase6Of(s);
  return {
    machine: true,
    models: s.models.length > 0,
    phases: true,
    aws: Boolean(aws && aws.configTarget === 'aws' && (aws.gate === 'not-ready' || aws.gate === 'unknown')),
    errors:
      (aws?.recentErrors.length ?? 0) > 0 || p6?.status === 'unstable' || localLogRows(s.notices).length > 0,
    // Open when someone else holds the lock or a teammate's run failed.
    team: Boolean(s.team?.lock || s.team?.failedRuns?.length || s.team?.unreachable),
    history: false,
  };
}
