/** The Models section: the local model servers running, what each costs, and a Stop button per server. */
import type { ModelProcess } from '../../main/core/state';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { formatBytes, formatPct } from '../format';
import { $, type Section, type ViewContext } from '../view-context';

/** The Models section; a row whose Stop is in flight (`ctx.busyPids`) keeps saying so. */
export function modelsSection(ctx: ViewContext): Section {
  const memo = new SectionMemo();
  const update = (node: HTMLElement, p: ModelProcess) => {
    setText(node.querySelector('.title')!, p.title || p.server);
    const cost = [`pid ${p.pid}`, `RAM ${formatBytes(p.rssBytes)}`, `CPU ${formatPct(p.cpuPct)}`];
    if (p.gpuMemBytes) cost.push(`GPU mem ${formatBytes(p.gpuMemBytes)}`);
    if (p.loadedModels?.length) cost.push(p.loadedModels.map((l) => l.name).join(', '));
    setText(node.querySelector('.cost')!, cost.join(' · '));
    const btn = node.querySelector<HTMLButtonElement>('button')!;
    if (!ctx.busyPids.has(p.pid)) {
      btn.disabled = false;
      setText(btn, 'Stop');
    }
    setAttr(btn, 'aria-label', `Stop ${p.title || p.server} (pid ${p.pid})`);
  };
  return {
    render(s) {
      const key = s.models.map((p) => [p.pid, p.title, p.rssBytes, p.cpuPct, p.gpuMemBytes]);
      if (!memo.changed('models', key)) return;
      keyedList($('models'), s.models, (p) => String(p.pid), createRow, update);
      $('models-empty').hidden = s.models.length > 0;
      ($('stop-all') as HTMLButtonElement).disabled = s.models.length === 0;
      const rss = s.models.reduce((n, p) => n + p.rssBytes, 0);
      setText(
        $('badge-models'),
        s.models.length ? `${s.models.length} running · RAM ${formatBytes(rss)}` : 'none running',
      );
    },
  };
}

function createRow(p: ModelProcess): HTMLElement {
  return el(
    'li',
    { 'data-item': String(p.pid), tabindex: '-1' },
    el('span', { class: 'grow' }, el('strong', { class: 'title' }), ' ', el('span', { class: 'muted cost' })),
    el('button', { type: 'button', class: 'danger small', 'data-stop-pid': String(p.pid) }, 'Stop'),
  );
}
