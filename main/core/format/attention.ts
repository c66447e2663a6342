/**
 * What needs attention first, as one line: the status window's summary and the tray's tooltip say the same
 * thing. Pure and Electron-free (the renderer bundles it too). Priority: offload.yml problems, a failed run,
 * an unstable deployment, AWS not ready while the dev tools point at it, a running workflow, AWS ready,
 * idle. Reads the phase-6 fields (`phase6`, `drift`) only when the core provides them.
 */
import type { OffloadState } from '../state';
import { PHASE_TITLES, STATUS_ICON } from '../vocabulary';

/** Phase 6 as the core reports it (optional until every core provides it). */
export interface Phase6View {
  status: 'idle' | 'watching' | 'stable' | 'unstable' | 'unobserved';
  since?: string;
  /** unobserved: why ("cannot see CloudWatch: …"). */
  reason?: string;
  /** unobserved because the CloudWatch watch fails. */
  blind?: boolean;
  quietUntil?: string;
  firstError?: { at: string; message: string; logGroup?: string; source?: string };
  deployment?: { runId: string; at: string; summary: string };
}

/** Drift between the source and the last deployment that passed aws-test. */
export interface DriftView {
  changed: number;
  byFolder: Record<string, number>;
  deployedRunId: string;
  deployedAt: string;
}

/** The phase-6 status, when the core provides it. */
export function phase6Of(s: OffloadState): Phase6View | undefined {
  const v = (s as { phase6?: unknown }).phase6;
  return v && typeof v === 'object' && typeof (v as Phase6View).status === 'string'
    ? (v as Phase6View)
    : undefined;
}

/** Drift since the deployed version, when the core provides it and something changed. */
export function driftOf(s: OffloadState): DriftView | undefined {
  const v = (s as { drift?: unknown }).drift;
  return v &&
    typeof v === 'object' &&
    typeof (v as DriftView).changed === 'number' &&
    (v as DriftView).changed > 0
    ? (v as DriftView)
    : undefined;
}

export type AttentionLevel = 'error' | 'warning' | 'busy' | 'ok' | 'idle';
export type AttentionView = 'machine' | 'models' | 'phases' | 'aws' | 'errors' | 'history';

export interface Attention {
  level: AttentionLevel;
  /** One line, for the window's summary and the tray's tooltip. */
  text: string;
  /** The section that shows the detail. */
  view: AttentionView;
}

const clip = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** "3 min", "2 h": how long ago (or until) an ISO time is, from `now`. */
export function relativeTime(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  const mins = Math.round(Math.abs(now - t) / 60_000);
  return mins < 1 ? 'under a minute' : mins < 120 ? `${mins} min` : `${Math.round(mins / 60)} h`;
}

/** "7 files changed since the deployed version (main 4, web 3)". */
export function driftText(d: DriftView): string {
  const folders = Object.entries(d.byFolder)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([f, n]) => `${f || '.'} ${n}`)
    .join(', ');
  return `${d.changed} file${d.changed === 1 ? '' : 's'} changed since the deployed version${folders ? ` (${folders})` : ''}`;
}

/** What needs attention first. `now` only words relative times ("stable for 20 min"). */
export function attention(s: OffloadState, now = Date.now()): Attention {
  if (s.configProblems.length) {
    const p = s.configProblems[0]!;
    return {
      level: 'error',
      text: `offload.yml has ${s.configProblems.length} problem(s): ${clip(p.message, 60)}${p.line > 0 ? ` (line ${p.line})` : ''}`,
      view: 'phases',
    };
  }
  const run = s.run;
  const running = run?.status === 'running';
  if (run && !running && (run.status === 'failed' || run.status === 'blocked')) {
    const phase = run.phases.find((p) => p.status === 'failed' || p.status === 'blocked');
    const step = phase?.steps.find((st) => st.status === 'failed' || st.status === 'blocked');
    const where = phase
      ? ` at ${PHASE_TITLES[phase.id].split(/[ ,(]/)[0]}${step ? ` — ${step.name}` : ''}`
      : '';
    return {
      level: 'error',
      text: `${STATUS_ICON[run.status]} ${run.workflow} ${run.status}${where}${!where && run.reason ? `: ${clip(run.reason, 60)}` : ''}`,
      view: 'phases',
    };
  }
  const p6 = phase6Of(s);
  if (p6?.status === 'unstable') {
    // The deployment's first word (its commit, or what it deployed): the window and tooltip show the rest.
    const deployed = p6.deployment
      ? ` after deploy of ${clip(p6.deployment.summary.split(' · ')[0]!, 30)}`
      : '';
    return {
      level: 'error',
      text: `❌ Unstable${deployed}${p6.firstError ? `: ${clip(p6.firstError.message, 60)}` : ''}`,
      view: 'errors',
    };
  }
  const aws = s.aws;
  // Checking (the first passes being counted) is not an alarm; unknown says Offload cannot see AWS.
  if (aws && aws.configTarget === 'aws' && (aws.gate === 'not-ready' || aws.gate === 'unknown')) {
    return {
      level: 'error',
      text: `Dev tools point at AWS, ${aws.gate === 'unknown' ? 'which Offload cannot see' : 'but AWS is not ready'}${aws.reason ? `: ${clip(aws.reason, 60)}` : ''}`,
      view: 'aws',
    };
  }
  if (running) {
    const cur = run.current;
    return {
      level: 'busy',
      text: `${STATUS_ICON.running} ${run.workflow}: ${cur ? `${PHASE_TITLES[cur.phase].split(/[ ,(]/)[0]} — ${cur.step}` : 'starting'}`,
      view: 'phases',
    };
  }
  const drift = driftOf(s);
  const tail = drift ? ` · ${drift.changed} file${drift.changed === 1 ? '' : 's'} not deployed` : '';
  if (aws?.gate === 'ready') {
    const p6text =
      p6?.status === 'stable'
        ? ` · stable for ${relativeTime(p6.since, now)}`
        : p6?.status === 'watching'
          ? ` · watching, quiet in ${relativeTime(p6.quietUntil, now)}`
          : p6?.status === 'unobserved'
            ? ` · ⏳ ${clip(p6.reason ?? '', 70)}`
            : '';
    return {
      level: drift || (p6?.status === 'unobserved' && p6.blind) ? 'warning' : 'ok',
      text: `✅ AWS ready${aws.configTarget === 'aws' ? ', dev tools point at AWS' : ''}${p6text}${tail}`,
      view: 'aws',
    };
  }
  if (!s.project) return { level: 'idle', text: 'No project chosen', view: 'phases' };
  if (s.trust && !s.trust.trusted)
    return { level: 'warning', text: 'Not trusted yet: review what offload.yml runs', view: 'phases' };
  if (s.machine?.alerts.length)
    return { level: 'warning', text: `⚠ ${clip(s.machine.alerts[0]!.message, 80)}`, view: 'machine' };
  const last = run ? `${STATUS_ICON[run.status]} last run ${run.workflow} ${run.status}` : 'Idle';
  return {
    level: drift ? 'warning' : 'idle',
    text: `${last}${s.monitoringPaused ? ' · monitoring paused' : ''}${tail}`,
    view: drift ? 'aws' : 'phases',
  };
}

/** The most recent error worth copying (a CloudWatch error, or phase 6's first error), if any. */
export function lastError(s: OffloadState): { at: string; message: string } | undefined {
  const e = s.aws?.recentErrors.at(-1); // the core keeps them oldest first
  if (e) return { at: e.at, message: e.message };
  return phase6Of(s)?.firstError;
}
