/**
 * The status window's view over state snapshots: each section re-renders only when its slice of the
 * state changed, lists are keyed and bounded, and every control is a real button. Commands go through the
 * bridge (`window.offload`), never anywhere else.
 */
import type { OffloadApi, ViewTarget } from '../preload/api';
import type { OffloadState, PhaseSnapshot, RunSnapshot } from '../main/core/state';
import { PHASES, PHASE_TITLES, STATUS_ICON, type PhaseId, type Status } from '../main/core/workflow/types';
import {
  attention,
  type Attention,
  driftOf,
  driftText,
  lastError,
  phase6Of,
  relativeTime,
} from '../main/app/attention';
import { el, keyedList, SectionMemo, setAttr, setText } from './dom';
import { Folds, type Fold } from './folds';
import { formatBytes, formatDuration, formatPct, formatTime, sparklinePath } from './format';

const WORKFLOW_LABELS: Record<string, string> = {
  local: 'Run local build & tests',
  full: 'Run full workflow',
  services: 'Deploy services',
  infrastructure: 'Deploy infrastructure',
  test: 'Test AWS services',
  shutdown: 'Shut down local models',
};
/** Short labels for the one-row workflow buttons (the full label is the accessible name). */
const WORKFLOW_SHORT: Record<string, string> = {
  local: 'Local',
  full: 'Full',
  services: 'Deploy',
  infrastructure: 'Infra',
  test: 'Test AWS',
  shutdown: 'Shutdown',
};
const PHASE_SHORT: Record<PhaseId, string> = {
  local: 'Local',
  'aws-prepare': 'AWS prepare',
  'aws-deploy': 'AWS deploy',
  'aws-test': 'AWS test',
  shutdown: 'Shutdown',
  monitor: 'Monitor',
};
const TAIL_LINES = 40;
/** CloudWatch errors shown (newest first); the rest are counted in the section's badge. */
const ERRORS_SHOWN = 3;

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
  const folds = new Folds();

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
  $('copy-error').addEventListener('click', () => {
    void act('Copy error context', async () => {
      const md = await api.copyErrorContext();
      say(`Error context copied (${md.split('\n').length} lines of Markdown).`);
    });
  });
  $('redeploy').addEventListener('click', () => {
    say('Redeploying services…');
    void act('Redeploy', async () => {
      const summary = await api.redeploy();
      say(`services ${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`);
    });
  });

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
    const gpu = m?.gpus.find((g) => typeof g.utilizationPct === 'number') ?? m?.gpus[0];
    const gpuMem = m?.gpus.reduce((n, g) => n + (g.memUsedBytes ?? 0), 0) ?? 0;
    const rows = [
      { id: 'cpu', label: 'CPU', value: formatPct(m?.cpu.loadPct), hist: m?.history.cpu ?? [], title: '' },
      {
        id: 'gpu',
        label: 'GPU',
        value: !m
          ? '–'
          : m.gpus.length
            ? `${formatPct(gpu?.utilizationPct)}${gpuMem ? ` · ${formatBytes(gpuMem)}` : ''}`
            : 'none',
        hist: m?.history.gpu ?? [],
        title: (m?.gpus ?? [])
          .map(
            (g) =>
              `${g.name}: ${formatPct(g.utilizationPct)}${g.memTotalBytes ? `, memory ${formatBytes(g.memUsedBytes)} of ${formatBytes(g.memTotalBytes)}` : ''}${g.temperatureC !== undefined ? `, ${g.temperatureC} °C` : ''}`,
          )
          .join('\n'),
      },
      {
        id: 'ram',
        label: 'RAM',
        value: m ? `${formatPct(mem)} · ${formatBytes(m.mem.totalBytes)}` : '–',
        hist: m?.history.mem ?? [],
        title: m ? `${formatBytes(m.mem.usedBytes)} of ${formatBytes(m.mem.totalBytes)} used` : '',
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
          { class: 'meter', 'data-item': r.id, role: 'img' },
          el('div', { class: 'label' }, el('span', {}, r.label), el('span', { class: 'value' })),
          svg,
        );
      },
      (node, r) => {
        setText(node.querySelector('.value')!, r.value);
        setAttr(node.querySelector('path')!, 'd', sparklinePath(r.hist));
        setAttr(node, 'aria-label', `${r.label} ${r.value}`);
        setAttr(node, 'title', r.title || null);
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
    setText(
      $('badge-machine'),
      m
        ? `CPU ${rows[0]!.value}  GPU ${formatPct(gpu?.utilizationPct)}  RAM ${formatPct(mem)}${m.alerts.length ? '  ⚠' : ''}`
        : s.monitoringPaused
          ? 'paused'
          : '',
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
          el('button', { type: 'button', class: 'danger small', 'data-stop-pid': String(p.pid) }, 'Stop'),
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
    const rss = s.models.reduce((n, p) => n + p.rssBytes, 0);
    setText(
      $('badge-models'),
      s.models.length ? `${s.models.length} running · RAM ${formatBytes(rss)}` : 'none running',
    );
  };

  const renderWorkflows = (s: OffloadState) => {
    const running = s.run?.status === 'running';
    if (!memo.changed('workflows', [s.workflows, running, s.project?.dir, s.configProblems.length])) return;
    keyedList(
      $('workflows'),
      s.workflows,
      (w) => w.name,
      (w) => el('button', { type: 'button', class: 'small', 'data-workflow': w.name }),
      (node, w) => {
        const btn = node as HTMLButtonElement;
        const label = WORKFLOW_LABELS[w.name] ?? `Run ${w.name}`;
        setText(btn, WORKFLOW_SHORT[w.name] ?? w.name);
        setAttr(btn, 'aria-label', label);
        btn.disabled = running || !w.allowed;
        setAttr(btn, 'title', w.allowed ? label : `${label}: ${w.reason ?? 'not allowed now'}`);
      },
      20,
    );
    const blocked = s.workflows.filter((w) => !w.allowed && w.reason);
    const reason = !s.project
      ? s.configProblems.length
        ? `offload.yml: ${s.configProblems[0]!.message} (${s.configProblems[0]!.file}:${s.configProblems[0]!.line}:${s.configProblems[0]!.column})`
        : 'No project chosen: choose a folder with an offload.yml, or create one there.'
      : blocked.length && !running
        ? blocked.map((w) => `${WORKFLOW_SHORT[w.name] ?? w.name}: ${w.reason}`).join(' · ')
        : '';
    const line = $('workflow-reason');
    setText(line, reason);
    setAttr(line, 'title', reason || null);
    line.hidden = !reason;
    ($('cancel-run') as HTMLButtonElement).disabled = !running;
    ($('cancel-run') as HTMLElement).hidden = !running;
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
    const p6 = phase6Of(s);
    if (
      !memo.changed('phases', [
        run ? [run.runId, run.status, run.current, run.phases] : null,
        p6 ? [p6.status, p6.since, p6.quietUntil] : null,
      ])
    )
      return;
    const now = Date.now();
    const byId = new Map<string, PhaseSnapshot>((run?.phases ?? []).map((p) => [p.id, p]));
    const rows = PHASES.map((id) => ({ id, phase: byId.get(id) }));
    keyedList(
      $('phases'),
      rows,
      (r) => r.id,
      (r) =>
        el(
          'li',
          { 'data-phase': r.id, tabindex: '-1' },
          el('span', { class: 'icon', 'aria-hidden': 'true' }),
          el('span', { class: 'name' }, PHASE_SHORT[r.id]),
          el('span', { class: 'muted step' }),
          el('span', { class: 'muted meta' }),
          el('span', { class: 'reason' }),
        ),
      (node, r) => {
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
      },
    );
    const list = $('phases');
    setAttr(list, 'data-run', run?.runId ?? null);
    setText(
      $('badge-phases'),
      run
        ? `${STATUS_ICON[run.status]} ${run.workflow}${run.durationMs ? ` · ${formatDuration(run.durationMs)}` : ''}`
        : 'no run yet',
    );
    renderTail(run);
  };

  const renderTail = (run: RunSnapshot | null) => {
    const tail = $('tail');
    const text = (run?.tail ?? []).slice(-TAIL_LINES).join('\n');
    // The live output while a step runs; a finished run says why it failed in its phase row instead.
    tail.hidden = run?.status !== 'running';
    if (tail.textContent === text) return;
    const atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
    tail.textContent = text;
    if (atBottom) tail.scrollTop = tail.scrollHeight;
  };

  const renderAws = (s: OffloadState) => {
    const aws = s.aws;
    const p6 = phase6Of(s);
    const drift = driftOf(s);
    // Relative times ("4 min ago") are worded to the minute: the key changes at most once a minute for them.
    const minute = Math.floor(Date.now() / 60_000);
    if (
      !memo.changed('aws', [
        aws
          ? [aws.gate, aws.reason, aws.services, aws.endpoints, aws.alarms, aws.configTarget]
          : (s.project?.dir ?? null),
        p6 ? [p6.status, p6.deployment, p6.since, p6.quietUntil, minute] : null,
        drift ?? null,
      ])
    )
      return;
    const now = Date.now();
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
    const toLocal = $('switch-local') as HTMLButtonElement;
    toLocal.disabled = target === 'local';
    setAttr(
      toLocal,
      'title',
      target === 'local'
        ? 'The dev tools point at the local models'
        : 'Point the dev tools back at the local models',
    );
    setAttr(gate, 'class', `gate ${aws?.gate ?? 'unknown'}`);
    const deploy = $('deploy-line');
    deploy.hidden = !p6?.deployment;
    if (p6?.deployment)
      setText(deploy, `Deployed ${p6.deployment.summary}, ${relativeTime(p6.deployment.at, now)} ago`);
    const driftLine = $('drift-line');
    driftLine.hidden = !drift;
    if (drift) setText(driftLine, driftText(drift));
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
    const gateWord = !aws
      ? 'not watched'
      : aws.gate === 'ready'
        ? '✅ ready'
        : aws.gate === 'disabled'
          ? 'nothing to watch'
          : `❌ ${aws.gate === 'unknown' ? 'unknown' : 'not ready'}`;
    setText(
      $('badge-aws'),
      `${gateWord}${target === 'aws' ? ' · tools → AWS' : ''}${p6 && p6.status !== 'idle' ? ` · ${p6.status}` : ''}${drift ? ` · ${drift.changed} not deployed` : ''}`,
    );
  };

  const renderErrors = (s: OffloadState) => {
    const all = s.aws?.recentErrors ?? [];
    const p6 = phase6Of(s);
    const minute = Math.floor(Date.now() / 60_000);
    const services = s.workflows.find((w) => w.name === 'services');
    const running = s.run?.status === 'running';
    if (
      !memo.changed('errors', [
        all.length,
        all.slice(-ERRORS_SHOWN),
        p6 ? [p6.status, p6.firstError, p6.deployment, minute] : null,
        services ?? null,
        running,
      ])
    )
      return;
    const now = Date.now();
    // Newest first (the core keeps them oldest first).
    const errors = all.slice(-ERRORS_SHOWN).reverse();
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
            el(
              'span',
              { class: 'err-head' },
              el('span', { class: 'muted meta' }),
              el('a', { href: e.consoleUrl, 'data-external': '', rel: 'noreferrer' }, 'console'),
            ),
            el('span', { class: 'bad msg' }),
          ),
        ),
      (node, e) => {
        const meta = node.querySelector('.meta')!;
        setText(
          meta,
          `${formatTime(e.at)} · ${e.logGroup}${e.count > 1 ? ` ×${e.count}` : ''}${e.deployment ? ` · ${e.deployment}` : ''}`,
        );
        setAttr(
          meta,
          'title',
          `${e.at} · ${e.logGroup}${e.logStream ? ` / ${e.logStream}` : ''}${e.count > 1 ? ` · ${e.count} times` : ''}${e.deployment ? ` · ${e.deployment}` : ''}`,
        );
        const msg = node.querySelector('.msg')!;
        setText(msg, e.message.length > 300 ? `${e.message.slice(0, 299)}…` : e.message);
        setAttr(msg, 'title', e.message.slice(0, 2000));
        setAttr(node.querySelector('a')!, 'aria-label', `Open ${e.logGroup} in the CloudWatch console`);
      },
      ERRORS_SHOWN,
    );
    const unstable = p6?.status === 'unstable';
    const line = $('phase6-line');
    line.hidden = !unstable;
    if (unstable) {
      const first = p6.firstError;
      setText(
        line,
        `❌ Unstable${p6.deployment ? ` after deploy of ${p6.deployment.summary} (${relativeTime(p6.deployment.at, now)} ago)` : ''}${first ? ` — first error ${formatTime(first.at)}: ${first.message}` : ''}`,
      );
    }
    $('errors-empty').hidden = all.length > 0 || unstable;
    setText($('badge-errors'), all.length ? String(all.length) : unstable ? 'unstable' : 'none');
    const copy = $('copy-error') as HTMLButtonElement;
    const hasError = Boolean(lastError(s));
    copy.disabled = !hasError;
    setAttr(
      copy,
      'title',
      hasError
        ? 'Copy the errors, the lines around them, the deployment and the console links as Markdown'
        : 'No error yet',
    );
    const redeploy = $('redeploy') as HTMLButtonElement;
    const why = !services
      ? 'offload.yml has no services workflow'
      : running
        ? 'a workflow is running'
        : services.allowed
          ? ''
          : (services.reason ?? 'not allowed now');
    redeploy.disabled = Boolean(why);
    setAttr(
      redeploy,
      'title',
      why ? `Redeploy after fix: ${why}` : 'Deploy the services again (the gates apply as always)',
    );
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
    const last = s.history[0];
    setText(
      $('badge-history'),
      last
        ? `${s.history.length} run(s) · last ${STATUS_ICON[last.status]} ${last.workflow} ${formatTime(last.startedAt)}`
        : 'none',
    );
  };

  const renderHeader = (s: OffloadState, a: Attention) => {
    setText($('project-name'), s.project ? `Offload — ${s.project.name}` : 'Offload');
    // Only announce real changes (aria-live), not every sample.
    if (memo.changed('status', [a.text, a.level])) {
      const line = $('status-line');
      setText(line, a.text);
      setAttr(line, 'data-level', a.level);
      setAttr(line, 'title', a.text);
    }
  };

  // Until the user toggles a section, it is open when it has something to show or that needs attention.
  const renderFolds = (s: OffloadState) => {
    const aws = s.aws;
    const p6 = phase6Of(s);
    const defaults: Partial<Record<Fold, boolean>> = {
      machine: true,
      models: s.models.length > 0,
      phases: true,
      aws: Boolean(aws && aws.configTarget === 'aws' && aws.gate !== 'ready' && aws.gate !== 'disabled'),
      errors: (aws?.recentErrors.length ?? 0) > 0 || p6?.status === 'unstable',
      history: false,
    };
    if (memo.changed('folds', defaults)) folds.apply(defaults);
  };
  // Then, if the window would scroll, fold what matters least first (never the section needing attention).
  const SQUEEZE: readonly Fold[] = ['history', 'machine', 'aws', 'models', 'phases', 'errors'];
  const main = document.querySelector('main')!;

  return {
    render(s) {
      state = s;
      const a = attention(s);
      renderHeader(s, a);
      renderFolds(s);
      renderMachine(s);
      renderModels(s);
      renderWorkflows(s);
      renderTrust(s);
      renderPhases(s);
      renderAws(s);
      renderErrors(s);
      renderHistory(s);
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
function phase6Meta(p6: NonNullable<ReturnType<typeof phase6Of>>, now: number): string {
  switch (p6.status) {
    case 'watching':
      return `watching, quiet in ${relativeTime(p6.quietUntil, now)}`;
    case 'stable':
      return `stable since ${formatTime(p6.since)}`;
    case 'unstable':
      return `unstable since ${formatTime(p6.since ?? p6.firstError?.at)}`;
    default:
      return '';
  }
}

function summariseStops(out: { title: string; result: string; reason?: string; advice?: string }[]): string {
  if (!out.length) return 'No local model servers to stop.';
  return out
    .map(
      (o) => `${o.title}: ${o.result}${o.reason ? ` (${o.reason})` : ''}${o.advice ? ` — ${o.advice}` : ''}`,
    )
    .join('; ');
}
