/**
 * The window's controls: the static buttons of index.html and one delegated listener for the buttons of
 * keyed rows (stop a model server, start a workflow, open a console link). Every command goes through the
 * bridge; what it answered is said on the action line.
 */
import type { OffloadState } from '../main/core/state';
import { setText } from './dom';
import { $, type ViewContext } from './view-context';

/** Wires every control to `ctx.api`; `current` is the state last rendered (null before the first). */
export function wireControls(ctx: ViewContext, current: () => OffloadState | null): void {
  wireStaticControls(ctx, current);
  // Delegated clicks for keyed rows (one listener, no per-row closures to leak).
  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const stop = target.closest<HTMLButtonElement>('button[data-stop-pid]');
    if (stop) return stopOne(ctx, stop);
    const run = target.closest<HTMLButtonElement>('button[data-workflow]');
    if (run) {
      const name = run.dataset.workflow!;
      ctx.say(`Starting ${name}…`);
      void ctx.act(`Run ${name}`, async () => {
        const summary = await ctx.api.run(name);
        ctx.say(`${name} ${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`);
      });
      return;
    }
    const link = target.closest<HTMLAnchorElement>('a[data-external]');
    if (link) {
      e.preventDefault();
      void ctx.act('Open link', () => ctx.api.openExternal(link.href)); // eng-disable OPEN_EXTERNAL_JS_CHECK -- the bridge, main checks
    }
  });
}

function wireStaticControls(ctx: ViewContext, current: () => OffloadState | null): void {
  const { api, say, act } = ctx;
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
    const state = current();
    if (state) void act('Monitoring', () => api.setMonitoringPaused(!state.monitoringPaused));
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
  $('ack-phase6').addEventListener('click', () => {
    void act('Acknowledge', async () => {
      const p6 = await api.acknowledgePhase6();
      say(`Acknowledged: watching the deployment again${p6.quietUntil ? ` until ${p6.quietUntil}` : ''}.`);
    });
  });
  $('redeploy').addEventListener('click', () => {
    say('Redeploying services…');
    void act('Redeploy', async () => {
      const summary = await api.redeploy();
      say(`services ${summary.status}${summary.reason ? `: ${summary.reason}` : ''}`);
    });
  });
}

/** Stops one model server from its row; the row says "Stopping…" until the bridge answers. */
function stopOne(ctx: ViewContext, stop: HTMLButtonElement): void {
  const pid = Number(stop.dataset.stopPid);
  ctx.busyPids.add(pid);
  stop.disabled = true;
  setText(stop, 'Stopping…');
  void ctx.act('Stop', async () => {
    try {
      const out = await ctx.api.stopModels({ pids: [pid] });
      ctx.say(summariseStops(out));
    } finally {
      ctx.busyPids.delete(pid);
    }
  });
}

function summariseStops(out: { title: string; result: string; reason?: string; advice?: string }[]): string {
  if (!out.length) return 'No local model servers to stop.';
  return out
    .map(
      (o) => `${o.title}: ${o.result}${o.reason ? ` (${o.reason})` : ''}${o.advice ? ` — ${o.advice}` : ''}`,
    )
    .join('; ');
}
