/**
 * The team's view as short lines, shared by the tray and the window: the last deploy of each environment
 * (who, when, commit, from where), a deploy lock held by someone else, and teammates' recent failed runs.
 */
import type { TeamView } from '../state';

/** One line of the team's view: `tone` says how it reads (a lock or a failure wants a look). */
export interface TeamLine {
  id: string;
  text: string;
  tone: 'ok' | 'warn' | 'bad' | 'muted';
}

/** "2026-12-07 09:32" (UTC): a record's time, short. */
const when = (iso: string): string => (iso.length >= 16 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso);

/**
 * The lines of the team's view; `myRunId` is this user's running run (its lock is not someone else's).
 * At most `failed` failed runs (the newest).
 */
export function teamViewLines(
  view: TeamView | null | undefined,
  o: { myRunId?: string; failed?: number } = {},
): TeamLine[] {
  if (!view) return [];
  const lines: TeamLine[] = [];
  if (view.unreachable)
    lines.push({ id: 'unreachable', text: `team evidence unreachable: ${view.unreachable}`, tone: 'bad' });
  const l = view.lock;
  if (l && l.runId !== o.myRunId)
    lines.push({
      id: 'lock',
      text: `${view.environment} locked by ${l.who} at ${l.where} since ${when(l.since)} (${l.workflow})${l.stale ? ' — stale, the next run takes it over' : ''}`,
      tone: 'warn',
    });
  for (const d of view.lastDeploys)
    lines.push({
      id: `deploy:${d.environment}`,
      text: `${d.environment}: ${d.status === 'passed' ? 'deployed' : `deploy ${d.status}`} by ${d.who} at ${d.where}, ${when(d.at)}${d.commit ? `, commit ${d.commit.slice(0, 7)}` : ''}`,
      tone: d.status === 'passed' ? 'ok' : 'bad',
    });
  for (const f of (view.failedRuns ?? []).slice(0, o.failed ?? 5))
    lines.push({
      id: `failed:${f.runId}`,
      text: `✗ ${f.who}: ${f.workflow} failed${f.failedPhase ? ` in ${f.failedPhase}` : ''} at ${f.where}, ${when(f.at)}`,
      tone: 'bad',
    });
  return lines;
}
