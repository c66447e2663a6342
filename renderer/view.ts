/**
 * The status window's view over state snapshots: each section re-renders only when its slice of the
 * state changed, lists are keyed and bounded, and every control is a real button. Commands go through the
 * bridge (`window.offload`), never anywhere else.
 */
import type { OffloadApi, ViewTarget } from '../preload/api';
import type { OffloadState, PhaseSnapshot, RunSnapshot } from '../main/core/state';
import { PHASES, PHASE_TITLES, STATUS_ICON, type Status } from '../main/core/workflow/types';
import { el, keyedList, SectionMemo, setAttr, setText } from './dom';
import { formatBytes, formatDuration, formatPct, formatTime, sparklinePath } from './format';

const WORKFLOW_LABELS: Record<string, string> = {
  local: 'Run local build & tests',
  full: 'Run full workflow',
  services: 'Deploy services',
  infrastructure: 'Deploy infrastructure',
  test: 'Test AWS services',
  shutdown: 'Shut down local models',
};
const TAIL_LINES = 40;

const $ = (id: string) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`status window: #${id} missing from index.html`);
  return node;
};

/** The mounted view: feed it states and navigation targets. */
export interface StatusView {
  render(state: OffloadState): void;
  navigate(target: ViewTarget): void;
}

/** Mounts the view on the page's static skeleton (index.html) and wires its buttons to `api`. */
export function mountView(api: OffloadApi): StatusView {
  const memo = new SectionMemo();
  let state: OffloadState | null = null;
  const busyPids = new Set<number>();

  /** Feedback on the user's own action (its own live region, so state updates do not overwrite it). */
  const say = (text: string) => setText($('action-line'), text);
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      say(`${label}: ${(err as Error).message}`);
    }
  };

  // Static controls.
  $('stop-all').addEventListener('click', () => {
    say('Stopping all local model servers…');
    void act('Stop all', async () => {
      const out = await api.stopModels({ all: true });
      say(summariseStops(out));
    });
  });
  $('cancel-run').addEventListener('click', () => void act('Cancel', () => api.cancel()));
  $('trust-project').addEventListener('click', () => {
    void act('Trust', async () => {
      await api.trustProject();
      say('Trusted: this project may now run its steps.');
    });
  });
  $('pause').addEventListener('click', () => {
    if (state) void act('Monitoring', () => api.setMonitoringPaused(!state!.monitoringPaused));
  });
  $('choose-project').addEventListener('click', () => void act('Choose project', () => api.chooseProject()));
  for (const target of ['aws', 'local'] as const) {
    $(`switch-${target}`).addEventListener('click', () => {
      say(target === 'aws' ? 'Pointing the dev tools at AWS…' : 'Pointing the dev tools back at local…');
      void act('Switch', async () => {
        await api.switchConfig(target);
        say(target === 'aws' ? 'Dev tools now point at AWS.' : 'Dev tools now point at the local models.');
      });
    });
  }

  // Delegated clicks for keyed rows (one listener, no per-row closures to leak).
  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const stop = target.closest<HTMLButtonElement>('button[data-stop-pid]');
    if (stop) {
      const pid = Number(stop.dataset.stopPid);
      busyPids.add(pid);
      stop.disabled = true;
      setText(stop, 'Stopping…');
      void act('Stop', async () => {
        try {
          const out = await api.stopModels({ pids: [pid] });
          say(summariseStops(out));
        } finally {
          busyPids.delete(pid);
        }
      });
      return;
    }
    const run = target.closest<HTMLButtonElement>('button[data-workflow]');
    if (run) {
      const name = run.dataset.workflow!;
      say(`Starting ${name}…`);
      void act(`Run ${name}`, async () => {
        const summary = await api.run(name);
        say(`${name} ${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`);
      });
      return;
    }
    const link = target.closest<HTMLAnchorElement>('a[data-external]');
    if (link) {
      e.preventDefault();
      void act('Open link', () => api.openExternal(link.href)); // eng-disable OPEN_EXTERNAL_JS_CHECK -- the bridge, main checks
    }
  });

  const renderMachine = (s: OffloadState) => {
    const m = s.machine;
    if (!memo.changed('machine', m ? [m.at, m.alerts.map((a) => a.id), s.monitoringPaused] : null)) return;
    const meters = $('meters');
    const mem = m && m.mem.totalBytes ? (m.mem.usedBytes / m.mem.totalBytes) * 100 : undefined;
    const gpuUtil = m?.gpus.map((g) => g.utilizationPct).find((v) => typeof v === 'number');
    const rows = [
      { id: 'cpu', label: 'CPU', value: formatPct(m?.cpu.loadPct), hist: m?.history.cpu ?? [] },
      {
        id: 'gpu',
        label: 'GPU',
        value: m && m.gpus.length ? formatPct(gpuUtil) : 'none',
        hist: m?.history.gpu ?? [],
      },
      {
        id: 'ram',
        label: 'RAM',
        value: m ? `${formatPct(mem)} · ${formatBytes(m.mem.totalBytes)}` : '–',
        hist: m?.history.mem ?? [],
      },
    ];
    keyedList(
      meters,
      rows,
      (r) => r.id,
      (r) => {
        const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
        svg.setAttribute('viewBox', '0 0 100 24');
        svg.setAttribute('preserveAspectRatio', 'none');
        svg.setAttribute('aria-hidden', 'true');
        svg.append(document.createElementNS('http://www.w3.org/2000/svg', 'path'));
        return el(
          'div',
          { class: 'meter', 'data-item': r.id },
          el('div', { class: 'label' }, el('span', {}, r.label), el('span', { class: 'value' })),
          svg,
        );
      },
      (node, r) => {
        setText(node.querySelector('.value')!, r.value);
        setAttr(node.querySelector('path')!, 'd', sparklinePath(r.hist));
        setAttr(node, 'aria-label', `${r.label} ${r.value}`);
      },
    );
    keyedList(
      $('alerts'),
      m?.alerts ?? [],
      (a) => a.id,
      (a) => el('li', { 'data-item': a.id, tabindex: '-1' }),
      (node, a) => setText(node, `⚠ ${a.message}`),
      10,
    );
    setText($('pause'), s.monitoringPaused ? 'Resume monitoring' : 'Pause monitoring');
  };

  const renderModels = (s: OffloadState) => {
    if (
      !memo.changed(
        'models',
        s.models.map((p) => [p.pid, p.title, p.rssBytes, p.cpuPct, p.gpuMemBytes]),
      )
    )
      return;
    keyedList(
      $('models'),
      s.models,
      (p) => String(p.pid),
      (p) =>
        el(
          'li',
          { 'data-item': String(p.pid), tabindex: '-1' },
          el(
            'span',
            { class: 'grow' },
            el('strong', { class: 'title' }),
            ' ',
            el('span', { class: 'muted cost' }),
          ),
          el('button', { type: 'button', class: 'danger', 'data-stop-pid': String(p.pid) }, 'Stop'),
        ),
      (node, p) => {
        setText(node.querySelector('.title')!, p.title || p.server);
        const cost = [`pid ${p.pid}`, `RAM ${formatBytes(p.rssBytes)}`, `CPU ${formatPct(p.cpuPct)}`];
        if (p.gpuMemBytes) cost.push(`GPU mem ${formatBytes(p.gpuMemBytes)}`);
        if (p.loadedModels?.length) cost.push(p.loadedModels.map((l) => l.name).join(', '));
        setText(node.querySelector('.cost')!, cost.join(' · '));
        const btn = node.querySelector<HTMLButtonElement>('button')!;
        if (!busyPids.has(p.pid)) {
          btn.disabled = false;
          setText(btn, 'Stop');
        }
        setAttr(btn, 'aria-label', `Stop ${p.title || p.server} (pid ${p.pid})`);
      },
    );
    $('models-empty').hidden = s.models.length > 0;
    ($('stop-all') as HTMLButtonElement).disabled = s.models.length === 0;
  };

  const renderWorkflows = (s: OffloadState) => {
    const running = s.run?.status === 'running';
    if (!memo.changed('workflows', [s.workflows, running, s.project?.dir, s.configProblems.length])) return;
    keyedList(
      $('workflows'),
      s.workflows,
      (w) => w.name,
      (w) => el('button', { type: 'button', 'data-workflow': w.name }),
      (node, w) => {
        const btn = node as HTMLButtonElement;
        setText(btn, WORKFLOW_LABELS[w.name] ?? `Run ${w.name}`);
        btn.disabled = running || !w.allowed;
        setAttr(btn, 'title', w.allowed ? null : (w.reason ?? 'not allowed now'));
      },
      20,
    );
    const blocked = s.workflows.filter((w) => !w.allowed && w.reason);
    const reason = !s.project
      ? s.configProblems.length
        ? `offload.yml: ${s.configProblems[0]!.message} (${s.configProblems[0]!.file}:${s.configProblems[0]!.line}:${s.configProblems[0]!.column})`
        : 'No project chosen: choose a folder with an offload.yml, or create one there.'
      : blocked.length
        ? blocked.map((w) => `${WORKFLOW_LABELS[w.name] ?? w.name}: ${w.reason}`).join(' · ')
        : '';
    setText($('workflow-reason'), reason);
    ($('cancel-run') as HTMLButtonElement).disabled = !running;
  };

  // Untrusted, the project is read-only: say why and what it would do, and offer the Trust action.
  const renderTrust = (s: OffloadState) => {
    const t = s.trust;
    if (!memo.changed('trust', t ?? null)) return;
    ($('trust-row') as HTMLElement).hidden = !t || t.trusted;
    if (!t || t.trusted) return;
    setText(
      $('trust-reason'),
      t.reason === 'changed'
        ? 'offload.yml changed what it runs since you trusted it. Nothing runs until you trust it again.'
        : 'This project is not trusted yet: its offload.yml runs commands with your rights. Nothing runs until you trust it.',
    );
    const list = $('trust-actions');
    list.replaceChildren(...t.actions.map((a) => el('li', {}, a)));
  };

  const renderPhases = (s: OffloadState) => {
    const run = s.run;
    if (!memo.changed('phases', run ? [run.runId, run.status, run.current, run.phases] : null)) return;
    const byId = new Map<string, PhaseSnapshot>((run?.phases ?? []).map((p) => [p.id, p]));
    const rows = PHASES.map((id) => ({ id, phase: byId.get(id), inRun: byId.has(id) }));
    keyedList(
      $('phases'),
      rows,
      (r) => r.id,
      (r) =>
        el(
          'li',
          { 'data-phase': r.id, tabindex: '-1' },
          el('span', { class: 'icon', 'aria-hidden': 'true' }),
          el('span', { class: 'name' }, PHASE_TITLES[r.id]),
          el('span', { class: 'muted step' }),
          el('span', { class: 'reason' }),
        ),
      (node, r) => {
        const status: Status | 'skipped' = r.phase?.status ?? (run ? 'skipped' : 'pending');
        setText(node.querySelector('.icon')!, status === 'skipped' ? '–' : STATUS_ICON[status]);
        setAttr(node, 'data-status', status);
        setAttr(node, 'class', status);
        setAttr(
          node,
          'aria-label',
          `${PHASE_TITLES[r.id]}: ${status === 'skipped' ? 'not in this workflow' : status}`,
        );
        const cur = run?.current?.phase === r.id && run.status === 'running' ? ` — ${run.current.step}` : '';
        setText(node.querySelector('.step')!, cur);
        const failedStep = r.phase?.steps.find((st) => st.status === 'failed');
        setText(
          node.querySelector('.reason')!,
          r.phase?.reason ??
            (failedStep ? `${failedStep.name}: ${failedStep.summary ?? failedStep.reason ?? 'failed'}` : ''),
        );
      },
    );
    const list = $('phases');
    setAttr(list, 'data-run', run?.runId ?? null);
    renderTail(run);
  };

  const renderTail = (run: RunSnapshot | null) => {
    const tail = $('tail');
    const text = (run?.tail ?? []).slice(-TAIL_LINES).join('\n');
    if (tail.textContent === text) return;
    const atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
    tail.textContent = text;
    if (atBottom) tail.scrollTop = tail.scrollHeight;
  };

  const renderAws = (s: OffloadState) => {
    const aws = s.aws;
    if (
      !memo.changed(
        'aws',
        aws
          ? [aws.gate, aws.reason, aws.services, aws.endpoints, aws.alarms, aws.configTarget]
          : (s.project?.dir ?? null),
      )
    )
      return;
    const gate = $('gate');
    const gateText = !aws
      ? s.project
        ? 'AWS is not being watched.'
        : 'No project: AWS is not watched.'
      : aws.gate === 'ready'
        ? `Gate: AWS ready ✅${aws.configTarget === 'unknown' ? '' : ` · dev tools point at ${aws.configTarget}`}`
        : aws.gate === 'disabled'
          ? 'Gate: nothing configured to watch'
          : `Gate: ${aws.gate === 'unknown' ? 'unknown' : 'not ready'} ❌${aws.reason ? ` — ${aws.reason}` : ''}`;
    setText(gate, gateText);
    // The switch: shown when offload.yml has `switch:` files; the current target's button is disabled.
    const target = aws?.configTarget ?? 'unknown';
    ($('switch-row') as HTMLElement).hidden = target === 'unknown';
    // To AWS only through the gate (the core refuses otherwise): the button says why it is off.
    const toAws = $('switch-aws') as HTMLButtonElement;
    toAws.disabled = target === 'aws' || aws?.gate !== 'ready';
    setAttr(
      toAws,
      'title',
      target === 'aws'
        ? 'The dev tools point at AWS'
        : aws?.gate !== 'ready'
          ? `AWS is not ready${aws?.reason ? `: ${aws.reason}` : ''}`
          : 'Point the dev tools at AWS',
    );
    ($('switch-local') as HTMLButtonElement).disabled = target === 'local';
    setAttr(gate, 'class', `gate ${aws?.gate ?? 'unknown'}`);
    const items = [
      ...(aws?.services ?? []).map((x) => ({
        key: `svc:${x.cluster}/${x.service}`,
        item: x.service,
        text: `${STATUS_ICON[x.status]} ${x.service} (${x.cluster}) ${x.running ?? '?'}/${x.desired ?? '?'}${x.rollout ? ` · ${x.rollout}` : ''}${x.message ? ` · ${x.message}` : ''}`,
      })),
      ...(aws?.endpoints ?? []).map((x) => ({
        key: `ep:${x.name}`,
        item: x.name,
        text: `${STATUS_ICON[x.status]} ${x.name} ${x.consecutivePasses}/${x.required}${x.lastResult ? ` · ${x.lastResult}` : ''}`,
      })),
      ...(aws?.alarms ?? []).map((x) => ({
        key: `alarm:${x.name}`,
        item: x.name,
        text: `${x.state === 'OK' ? '✅' : x.state === 'ALARM' ? '❌' : '❔'} alarm ${x.name}: ${x.state}${x.reason ? ` — ${x.reason}` : ''}`,
      })),
    ];
    keyedList(
      $('aws-items'),
      items,
      (i) => i.key,
      (i) => el('li', { 'data-item': i.item, tabindex: '-1' }, el('span', { class: 'grow' })),
      (node, i) => setText(node.querySelector('.grow')!, i.text),
      40,
    );
  };

  const renderErrors = (s: OffloadState) => {
    const errors = s.aws?.recentErrors ?? [];
    if (!memo.changed('errors', errors)) return;
    keyedList(
      $('errors'),
      errors,
      (e) => `${e.logGroup}|${e.at}|${e.message.slice(0, 80)}`,
      (e) =>
        el(
          'li',
          { 'data-item': e.logGroup, tabindex: '-1' },
          el(
            'span',
            { class: 'grow' },
            el('span', { class: 'muted meta' }),
            el('br'),
            el('span', { class: 'bad msg' }),
          ),
          el('a', { href: e.consoleUrl, 'data-external': '', rel: 'noreferrer' }, 'Open in console'),
        ),
      (node, e) => {
        setText(
          node.querySelector('.meta')!,
          `${formatTime(e.at)} · ${e.logGroup}${e.count > 1 ? ` · ×${e.count}` : ''}`,
        );
        setText(
          node.querySelector('.msg')!,
          e.message.length > 300 ? `${e.message.slice(0, 299)}…` : e.message,
        );
        setAttr(node.querySelector('a')!, 'aria-label', `Open ${e.logGroup} in the CloudWatch console`);
      },
      20,
    );
    $('errors-empty').hidden = errors.length > 0;
  };

  const renderHistory = (s: OffloadState) => {
    if (!memo.changed('history', s.history.slice(0, 10))) return;
    keyedList(
      $('history'),
      s.history,
      (r) => r.runId,
      (r) =>
        el(
          'li',
          { 'data-item': r.runId, tabindex: '-1' },
          el('span', { class: 'grow' }),
          el('span', { class: 'muted when' }),
        ),
      (node, r) => {
        setText(
          node.querySelector('.grow')!,
          `${STATUS_ICON[r.status]} ${r.workflow} ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
        );
        setText(
          node.querySelector('.when')!,
          `${formatTime(r.startedAt)} ${formatDuration(r.durationMs)}`.trim(),
        );
      },
      10,
    );
    $('history-empty').hidden = s.history.length > 0;
  };

  const renderHeader = (s: OffloadState) => {
    setText($('project-name'), s.project ? `Offload — ${s.project.name}` : 'Offload');
    // Only announce real changes (aria-live), not every sample.
    const text = statusText(s);
    if (memo.changed('status', text)) setText($('status-line'), text);
  };

  return {
    render(s) {
      state = s;
      renderHeader(s);
      renderMachine(s);
      renderModels(s);
      renderWorkflows(s);
      renderTrust(s);
      renderPhases(s);
      renderAws(s);
      renderErrors(s);
      renderHistory(s);
      document.body.dataset.ready = 'true';
    },
    navigate(target) {
      const section = document.getElementById(`view-${target.view}`);
      if (!section) return;
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

function statusText(s: OffloadState): string {
  if (s.configProblems.length) return `offload.yml has ${s.configProblems.length} problem(s)`;
  const run = s.run;
  if (run?.status === 'running') {
    return `${STATUS_ICON.running} ${run.workflow}: ${run.current ? `${PHASE_TITLES[run.current.phase]} — ${run.current.step}` : 'starting'}`;
  }
  const parts: string[] = [];
  if (run) parts.push(`${STATUS_ICON[run.status]} last run ${run.workflow} ${run.status}`);
  if (s.aws && s.aws.gate !== 'disabled')
    parts.push(
      s.aws.gate === 'ready' ? 'AWS ready' : s.aws.gate === 'unknown' ? 'AWS unknown' : 'AWS not ready',
    );
  if (s.models.length) parts.push(`${s.models.length} local model server(s)`);
  if (s.monitoringPaused) parts.push('monitoring paused');
  if (!s.project) parts.push('no project chosen');
  return parts.join(' · ') || 'Idle';
}

function summariseStops(out: { title: string; result: string; reason?: string; advice?: string }[]): string {
  if (!out.length) return 'No local model servers to stop.';
  return out
    .map(
      (o) => `${o.title}: ${o.result}${o.reason ? ` (${o.reason})` : ''}${o.advice ? ` — ${o.advice}` : ''}`,
    )
    .join('; ');
}
