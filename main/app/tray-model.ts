/**
 * The tray, as data: which icon state and tooltip, and which menu items (enabled or not, and why), all
 * computed from a core state snapshot. Pure and Electron-free; main/app/tray.ts maps it onto Electron.
 */
import { attention, gateWord, lastError, phase6Of, sanitizeForTerminal, workflowLabel } from '../core/format';
import type { OffloadState, WorkflowAvailability } from '../core/state';
import { ENTRY_POINTS, PHASE_TITLES, STATUS_ICON } from '../core/vocabulary';
import { teamItems } from './tray-team';

/** Icon states, in the order they win when several hold (running beats failed beats warning…). */
export const TRAY_STATES = ['idle', 'running', 'failed', 'ready', 'warning', 'drift'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

/** What the tray icon should show. `meter` is the machine load 0..100 (max of CPU, RAM, GPU). */
export interface TrayIconModel {
  state: TrayState;
  tooltip: string;
  meter?: number;
}

/** Actions a menu item can trigger; main/app/tray.ts maps each to a core command or a window action. */
export type TrayAction =
  | { type: 'run'; workflow: string }
  | { type: 'cancel' }
  | { type: 'stop-models' }
  | { type: 'switch-config'; target: 'aws' | 'local' }
  | { type: 'copy-error' }
  | { type: 'redeploy' }
  | { type: 'acknowledge-phase6' }
  | { type: 'back-to-local' }
  | { type: 'open-window' }
  | { type: 'toggle-monitoring' }
  | { type: 'open-config' }
  | { type: 'choose-project' }
  | { type: 'init-project' }
  | { type: 'toggle-login' }
  | { type: 'quit' };

/** One menu entry as plain data (GitHub Desktop's menu-test style): easy to compare and to test. */
export interface MenuItemModel {
  id: string;
  type: 'normal' | 'separator' | 'checkbox' | 'header';
  label: string;
  enabled: boolean;
  checked?: boolean;
  /** Why the item is disabled (also folded into the label so every OS shows it). */
  reason?: string;
  action?: TrayAction;
}

/** Front-end settings the menu shows that are not core state. */
export interface TrayUiState {
  launchAtLogin: boolean;
  /** Why launch at login cannot be set here (e.g. Linux autostart), if it cannot. */
  loginUnsupported?: string;
}

/** Menu and tooltip text as every front end shows project text: controls and bidi characters as `⟨U+XXXX⟩`. */
const shown = (text: string): string => sanitizeForTerminal(text, { keepColour: false });

const pct = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n)}%`);

/** Machine readings as percentages (undefined when unknown: unknown is shown as unknown). */
export function machineLoad(state: OffloadState): { cpu?: number; mem?: number; gpu?: number } {
  const m = state.machine;
  if (!m) return {};
  const mem = m.mem.totalBytes > 0 ? (m.mem.usedBytes / m.mem.totalBytes) * 100 : undefined;
  const gpuVals = m.gpus.map((g) => g.utilizationPct).filter((v): v is number => typeof v === 'number');
  return { cpu: m.cpu.loadPct, mem, gpu: gpuVals.length ? Math.max(...gpuVals) : undefined };
}

const isRunning = (s: OffloadState) => s.run?.status === 'running';

/** The icon state and tooltip for a snapshot. */
export function trayIcon(state: OffloadState): TrayIconModel {
  const load = machineLoad(state);
  const running = isRunning(state);
  const lastFailed = !running && (state.run?.status === 'failed' || state.run?.status === 'blocked');
  const alarming =
    (state.aws?.alarms.some((a) => a.state === 'ALARM') ?? false) || phase6Of(state)?.status === 'unstable';
  const awsReady = state.aws?.gate === 'ready';
  const pressure = (state.machine?.alerts.length ?? 0) > 0;
  const modelsWhileReady = awsReady && state.models.length > 0;
  const iconState: TrayState = running
    ? 'running'
    : lastFailed || alarming
      ? 'failed'
      : pressure || modelsWhileReady || state.configProblems.length > 0
        ? 'warning'
        : state.drift
          ? 'drift' // not deployed: the source differs from what passed AWS testing
          : awsReady
            ? 'ready'
            : 'idle';

  // The window's summary line first (what needs attention), then the readings.
  const lines = [`Offload${state.project ? ` — ${state.project.name}` : ''}`];
  const summary = attention(state).text;
  lines.push(summary.length > 72 ? `${summary.slice(0, 71)}…` : summary);
  lines.push(`CPU ${pct(load.cpu)} · GPU ${pct(load.gpu)} · RAM ${pct(load.mem)}`);
  if (!/AWS/.test(summary)) lines.push(`AWS: ${awsLabel(state)}`);
  if (state.monitoringPaused && !/paused/.test(summary)) lines.push('monitoring paused');
  const values = [load.cpu, load.mem, load.gpu].filter((v): v is number => typeof v === 'number');
  return {
    state: iconState,
    // Windows truncates tray tooltips at 127 characters.
    tooltip: shown(lines.join('\n')).slice(0, 127),
    meter: values.length ? Math.round(Math.max(...values)) : undefined,
  };
}

function awsLabel(state: OffloadState): string {
  const aws = state.aws;
  if (!aws) return state.project ? 'not watched' : 'no project';
  if (aws.gate === 'ready')
    return state.models.length ? `ready, ${state.models.length} local model(s) running` : 'ready';
  if (aws.gate === 'disabled') return gateWord(aws.gate);
  if (aws.gate === 'unknown') return `Offload cannot see AWS${aws.reason ? ` (${aws.reason})` : ''}`;
  return `${gateWord(aws.gate)}${aws.reason ? ` (${aws.reason})` : ''}`;
}

const withReason = (label: string, reason?: string) => {
  if (!reason) return label;
  const r = reason.length > 60 ? `${reason.slice(0, 59)}…` : reason;
  return `${label} — ${r}`;
};

function entryItem(state: OffloadState, entry: (typeof ENTRY_POINTS)[number]): MenuItemModel {
  const label = workflowLabel(entry);
  const wf: WorkflowAvailability | undefined = state.workflows.find((w) => w.name === entry);
  let reason: string | undefined;
  let action: TrayAction | undefined = { type: 'run', workflow: entry };
  if (entry === 'shutdown' && !wf) {
    // Without a project (or without a shutdown workflow) the tray still stops local model servers directly.
    action = { type: 'stop-models' };
    if (state.models.length === 0) reason = 'no local model servers running';
  } else if (!state.project) reason = 'no project chosen';
  else if (!wf) reason = 'not defined in offload.yml';
  else if (!wf.allowed) reason = wf.reason ?? 'not allowed now';
  if (!reason && isRunning(state)) reason = 'a workflow is running';
  return {
    id: `entry:${entry}`,
    type: 'normal',
    label: withReason(label, reason),
    enabled: !reason,
    reason,
    action,
  };
}

/** The tray menu for a snapshot, top to bottom. */
export function buildTrayMenu(state: OffloadState, ui: TrayUiState): MenuItemModel[] {
  const icon = trayIcon(state);
  const header: MenuItemModel[] = [
    {
      id: 'header:status',
      type: 'header',
      label: `Offload${state.project ? ` — ${state.project.name}` : ''}: ${headerStatus(state, icon.state)}`,
      enabled: false,
    },
    {
      id: 'header:machine',
      type: 'header',
      // No live percentages here (they are in the tooltip): the menu must not be rebuilt every second.
      label: `${state.models.length} local model server(s)${state.machine?.alerts.length ? ' · machine under pressure' : ''}${state.monitoringPaused ? ' · monitoring paused' : ''}`,
      enabled: false,
    },
  ];
  const items: MenuItemModel[] = [...header, sep('sep:1')];
  for (const entry of ENTRY_POINTS) items.push(entryItem(state, entry));
  if (isRunning(state))
    items.push({
      id: 'cancel',
      type: 'normal',
      label: 'Cancel running workflow',
      enabled: true,
      action: { type: 'cancel' },
    });
  // Where the dev tools point, when offload.yml has `switch:` files: one item to the other side.
  const target = state.aws?.configTarget;
  if (target === 'aws' || target === 'local') {
    const to = target === 'aws' ? 'local' : 'aws';
    // To AWS only through the gate (the core refuses otherwise), so the item says why it is off.
    const reason = to === 'aws' && state.aws?.gate !== 'ready' ? `AWS ${awsLabel(state)}` : undefined;
    const label = to === 'local' ? 'Point dev tools back at local models' : 'Point dev tools at AWS';
    items.push({
      id: 'switch-config',
      type: 'normal',
      label: withReason(label, reason),
      enabled: !reason,
      ...(reason ? { reason } : {}),
      action: { type: 'switch-config', target: to },
    });
  }
  items.push(sep('sep:phase6'), ...phase6Items(state));
  items.push(...teamItems(state));
  if (state.trust && !state.trust.trusted) {
    // Untrusted: nothing runs until the user has read what offload.yml would do, in the window.
    items.push({
      id: 'trust',
      type: 'normal',
      label:
        state.trust.reason === 'changed'
          ? 'offload.yml changed: review and trust again…'
          : 'Review and trust this project…',
      enabled: true,
      action: { type: 'open-window' },
    });
  }
  items.push(sep('sep:2'));
  items.push({
    id: 'open-window',
    type: 'normal',
    label: 'Open status window',
    enabled: true,
    action: { type: 'open-window' },
  });
  items.push({
    id: 'toggle-monitoring',
    type: 'normal',
    label: state.monitoringPaused ? 'Resume monitoring' : 'Pause monitoring',
    enabled: true,
    action: { type: 'toggle-monitoring' },
  });
  items.push(
    state.project
      ? {
          id: 'open-config',
          type: 'normal',
          label: 'Open offload.yml',
          enabled: true,
          action: { type: 'open-config' },
        }
      : {
          id: 'init-project',
          type: 'normal',
          label: 'Create offload.yml in a folder…',
          enabled: !isRunning(state),
          action: { type: 'init-project' },
        },
  );
  const chooseReason = isRunning(state) ? 'a workflow is running' : undefined;
  items.push({
    id: 'choose-project',
    type: 'normal',
    label: withReason('Choose project…', chooseReason),
    enabled: !chooseReason,
    reason: chooseReason,
    action: { type: 'choose-project' },
  });
  items.push(sep('sep:3'));
  items.push({
    id: 'launch-at-login',
    type: 'checkbox',
    label: withReason('Launch at login', ui.loginUnsupported),
    enabled: !ui.loginUnsupported,
    checked: ui.launchAtLogin,
    reason: ui.loginUnsupported,
    action: { type: 'toggle-login' },
  });
  items.push({ id: 'quit', type: 'normal', label: 'Quit Offload', enabled: true, action: { type: 'quit' } });
  // Names and reasons come from offload.yml and what its steps printed: shown, never obeyed, in one place.
  return items.map((i) => ({
    ...i,
    label: shown(i.label),
    ...(i.reason ? { reason: shown(i.reason) } : {}),
  }));
}

/**
 * Phase 6's loop from the tray: copy the error, acknowledge a resolved cause (the quiet period restarts without
 * a redeploy), redeploy after the fix, or go back to local.
 */
function phase6Items(state: OffloadState): MenuItemModel[] {
  const copyReason = !state.project ? 'no project chosen' : lastError(state) ? undefined : 'no error yet';
  const services = entryItem(state, 'services');
  const target = state.aws?.configTarget;
  const localReason =
    !target || target === 'unknown'
      ? 'offload.yml has no switch: files'
      : target === 'local'
        ? 'dev tools already point at local'
        : undefined;
  const item = (id: string, label: string, action: TrayAction, reason?: string): MenuItemModel => ({
    id,
    type: 'normal',
    label: withReason(label, reason),
    enabled: !reason,
    ...(reason ? { reason } : {}),
    action,
  });
  return [
    item('copy-error', 'Copy last error', { type: 'copy-error' }, copyReason),
    item(
      'acknowledge-phase6',
      'Cause resolved: watch again',
      { type: 'acknowledge-phase6' },
      state.phase6?.status === 'unstable' ? undefined : 'nothing unstable to acknowledge',
    ),
    item('redeploy', 'Redeploy after fix', { type: 'redeploy' }, services.reason),
    item('back-to-local', 'Back to local', { type: 'back-to-local' }, localReason),
  ];
}

function headerStatus(state: OffloadState, icon: TrayState): string {
  if (state.configProblems.length) return `offload.yml has ${state.configProblems.length} problem(s)`;
  const run = state.run;
  if (run?.status === 'running') {
    const phase = run.current ? PHASE_TITLES[run.current.phase] : run.workflow;
    return `${STATUS_ICON.running} ${phase}`;
  }
  if (icon === 'failed' && run && run.status !== 'passed')
    return `${STATUS_ICON.failed} ${run.workflow} ${run.status}`;
  if (state.machine?.alerts.length) return `⚠ ${state.machine.alerts[0]!.message}`;
  if (!state.project) return 'no project chosen';
  if (icon === 'drift' && state.drift)
    return `not deployed: ${state.drift.changed} file${state.drift.changed === 1 ? '' : 's'} changed since the deployed version`;
  return `AWS ${awsLabel(state)}`;
}

function sep(id: string): MenuItemModel {
  return { id, type: 'separator', label: '', enabled: true };
}
