/**
 * Will it fit, beside the Back to local button: each configured model's need, what is free (VRAM + RAM), the
 * verdict and where the numbers came from; when back-to-local would be refused, the button says so and why
 * (aria-describedby the refusal line). The core computes the view on its own cadence; this only draws it.
 */
import type { FitView, FitViewRow } from '../../main/core/state';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { formatBytes } from '../format';
import { $, type Section } from '../view-context';

const ICON: Record<NonNullable<FitViewRow['verdict']>, string> = {
  'fits in VRAM': '✅',
  'fits in RAM': '✅',
  'would spill to swap': '⚠',
};

/** "18 GB VRAM + 22 GB RAM free" (no VRAM part without a readable GPU). */
function freeText(f: FitView['free']): string {
  const vram = f.gpus.reduce((a, g) => a + g.freeBytes, 0);
  return `${f.gpus.length ? `${formatBytes(vram)} VRAM + ` : ''}${formatBytes(f.ramAvailableBytes)} RAM free`;
}

const ctxText = (ctx: number | undefined) =>
  ctx === undefined ? '' : ctx % 1024 === 0 ? `${ctx / 1024}k ctx` : `${ctx} ctx`;

/** "Q4_K_M · 8k ctx · from GGUF header", or why it has no estimate. */
function detail(r: FitViewRow): string {
  if (r.error !== undefined) return r.error;
  return [r.quantization, ctxText(r.ctx), r.source ? `from ${r.source}` : ''].filter(Boolean).join(' · ');
}

/** The fit section (inside the AWS section's body, next to the switch buttons). */
export function fitSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      const f = s.fit ?? null;
      if (!memo.changed('fit', f ? [f.at, f.refusal ?? ''] : null)) return;
      const box = $('fit');
      box.hidden = !f;
      const toLocal = $('switch-local');
      setAttr(toLocal, 'data-fit', f ? (f.refusal ? 'refused' : 'fits') : null);
      setAttr(toLocal, 'aria-describedby', f?.refusal ? 'fit-refusal' : null);
      const refusal = $('fit-refusal');
      refusal.hidden = !f?.refusal;
      if (!f) return;
      setText(
        $('fit-line'),
        `Back to local starts ${f.rows.length} model${f.rows.length === 1 ? '' : 's'}: ${freeText(f.free)}` +
          (f.rows.length > 1 && !f.refusal
            ? ` · together ≈ ${formatBytes(f.total.needBytes)}, ${f.total.verdict}`
            : ''),
      );
      if (f.refusal)
        setText(
          refusal,
          `Back to local would be refused: ${f.refusal}. Switch anyway: offload switch local --force`,
        );
      keyedList($('fit-rows'), f.rows, (r) => r.name, createRow, updateRow, 20);
    },
  };
}

function createRow(r: FitViewRow): HTMLElement {
  return el(
    'tr',
    { 'data-item': `fit-${r.name}` },
    el('td', {}, el('span', { class: 'name' }), el('br'), el('span', { class: 'muted detail' })),
    el('td', { class: 'need' }),
    el('td', { class: 'verdict' }),
  );
}

function updateRow(node: HTMLElement, r: FitViewRow): void {
  setText(node.querySelector('.name')!, r.name);
  setText(node.querySelector('.detail')!, detail(r));
  setText(node.querySelector('.need')!, r.needBytes === undefined ? '–' : `≈ ${formatBytes(r.needBytes)}`);
  setText(node.querySelector('.verdict')!, r.verdict ? `${ICON[r.verdict]} ${r.verdict}` : '❔ unknown');
  setAttr(node, 'data-verdict', r.verdict ?? 'unknown');
}
