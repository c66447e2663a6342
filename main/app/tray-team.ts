/**
 * The tray's team lines (offload.yml `team:`): the last deploy of each environment, a lock held by someone
 * else, teammates' recent failed runs — headers, as data, from the team view the core reads every minute.
 */
import { teamViewLines } from '../core/format';
import type { OffloadState } from '../core/state';
import type { MenuItemModel } from './tray-model';

/** The tray shows the newest few failed runs; the window and `offload team` show more. */
const FAILED_IN_TRAY = 3;

/** The team's lines as menu headers (none without `team:` or before its first read). */
export function teamItems(state: OffloadState): MenuItemModel[] {
  const mine = state.run?.status === 'running' ? state.run.runId : undefined;
  const lines = teamViewLines(state.team, { myRunId: mine, failed: FAILED_IN_TRAY });
  if (!lines.length) return [];
  return [
    { id: 'sep:team', type: 'separator', label: '', enabled: true },
    ...lines.map((l): MenuItemModel => ({
      id: `team:${l.id}`,
      type: 'header',
      label: l.tone === 'warn' ? `⚠ ${l.text}` : l.text,
      enabled: false,
    })),
  ];
}
