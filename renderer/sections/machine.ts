/** The Machine section: CPU, GPU and RAM meters with sparklines, pressure alerts, what offloading freed, and the pause button. */
import type { MachineSnapshot, OffloadState } from '../../main/core/state';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { formatBytes, formatPct, sparklinePath } from '../format';
import { reliefLines } from '../../main/core/format';
import { $, type Section } from '../view-context';

interface MeterRow {
  id: string;
  label: string;
  value: string;
  hist: readonly number[];
  title: string;
}

/** The Machine section. */
export function machineSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      // What offloading freed (the last stop, today, this week): from the core's journal read, no AWS call.
      const relief = reliefLines(s.relief);
      if (memo.changed('relief', relief))
        keyedList(
          $('relief'),
          relief.map((text, i) => ({ id: String(i), text })),
          (r) => r.id,
          (r) => el('li', { 'data-item': `relief-${r.id}` }),
          (node, r) => setText(node, `${r.id === '0' && s.relief?.last ? '♻ ' : ''}${r.text}`),
          3,
        );
      const m = s.machine;
      if (!memo.changed('machine', m ? [m.at, m.alerts.map((a) => a.id), s.monitoringPaused] : null)) return;
      const rows = meterRows(m);
      keyedList($('meters'), rows, (r) => r.id, createMeter, updateMeter);
      keyedList(
        $('alerts'),
        m?.alerts ?? [],
        (a) => a.id,
        (a) => el('li', { 'data-item': a.id, tabindex: '-1' }),
        (node, a) => setText(node, `⚠ ${a.message}`),
        10,
      );
      setText($('badge-machine'), badge(s, rows[0]!.value));
      setText($('pause'), s.monitoringPaused ? 'Resume monitoring' : 'Pause monitoring');
    },
  };
}

const memPct = (m: MachineSnapshot | null) =>
  m && m.mem.totalBytes ? (m.mem.usedBytes / m.mem.totalBytes) * 100 : undefined;
const mainGpu = (m: MachineSnapshot | null) =>
  m?.gpus.find((g) => typeof g.utilizationPct === 'number') ?? m?.gpus[0];

function meterRows(m: MachineSnapshot | null): MeterRow[] {
  const mem = memPct(m);
  const gpu = mainGpu(m);
  const gpuMem = m?.gpus.reduce((n, g) => n + (g.memUsedBytes ?? 0), 0) ?? 0;
  return [
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
}

function createMeter(r: MeterRow): HTMLElement {
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
}

function updateMeter(node: HTMLElement, r: MeterRow): void {
  setText(node.querySelector('.value')!, r.value);
  setAttr(node.querySelector('path')!, 'd', sparklinePath(r.hist));
  setAttr(node, 'aria-label', `${r.label} ${r.value}`);
  setAttr(node, 'title', r.title || null);
}

/** "CPU 12%  GPU 40%  RAM 61%  ⚠", or "paused" while monitoring is paused and nothing was sampled. */
function badge(s: OffloadState, cpu: string): string {
  const m = s.machine;
  if (!m) return s.monitoringPaused ? 'paused' : '';
  return `CPU ${cpu}  GPU ${formatPct(mainGpu(m)?.utilizationPct)}  RAM ${formatPct(memPct(m))}${m.alerts.length ? '  ⚠' : ''}`;
}
