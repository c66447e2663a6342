/**
 * Sections that collapse: each section head is a real button (Enter/Space toggle it, aria-expanded says
 * which way). Until the user toggles a section it follows the state (open when it has something that needs
 * attention); once toggled, the user's choice is remembered (localStorage, per window) and wins.
 */
import { setAttr } from './dom';

export const FOLDS = ['machine', 'models', 'phases', 'aws', 'errors', 'team', 'history'] as const;
export type Fold = (typeof FOLDS)[number];

const KEY = 'offload.sections';

function load(): Partial<Record<Fold, boolean>> {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    if (!v || typeof v !== 'object') return {};
    const out: Partial<Record<Fold, boolean>> = {};
    for (const f of FOLDS) {
      const x = (v as Record<string, unknown>)[f];
      if (typeof x === 'boolean') out[f] = x;
    }
    return out;
  } catch {
    return {};
  }
}

/** The folds of the page; `apply` sets each from the user's choice or, without one, the state's default. */
export class Folds {
  private readonly chosen = load();
  /** Opened for a moment (a notice click) without changing what the user chose. */
  private readonly forced = new Set<Fold>();
  private defaults: Partial<Record<Fold, boolean>> = {};
  /** Folded by `fit` to keep the window from scrolling (only sections the user has not toggled). */
  private readonly squeezed = new Set<Fold>();

  constructor(private readonly onToggle: () => void = () => undefined) {
    for (const btn of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-fold]'))) {
      btn.addEventListener('click', () => this.toggle(btn.dataset.fold as Fold));
    }
  }

  isOpen(f: Fold): boolean {
    if (this.forced.has(f)) return true;
    if (this.chosen[f] !== undefined) return this.chosen[f];
    return !this.squeezed.has(f) && (this.defaults[f] ?? true);
  }

  /** New defaults from the state; only sections the user has not toggled follow them. */
  apply(defaults: Partial<Record<Fold, boolean>>): void {
    this.defaults = defaults;
    this.squeezed.clear();
    for (const f of FOLDS) this.paint(f);
  }

  /**
   * While `area` would scroll, folds the sections the user has not toggled, in `order`, never `keep` (what
   * needs attention). Reads layout once when it fits (the frame lays out anyway), more only when it folds.
   */
  fit(area: HTMLElement, order: readonly Fold[], keep: Fold): void {
    const overflows = () => area.scrollHeight > area.clientHeight;
    const now: Fold[] = [];
    for (const f of order) {
      if (!overflows()) break;
      if (f === keep || this.chosen[f] !== undefined || this.forced.has(f) || !this.isOpen(f)) continue;
      this.squeezed.add(f);
      this.paint(f);
      now.push(f);
    }
    // Folding a big section may have made room for a smaller one folded before it: the most important first.
    for (const f of now.slice(0, -1).reverse()) {
      this.squeezed.delete(f);
      this.paint(f);
      if (overflows()) {
        this.squeezed.add(f);
        this.paint(f);
      }
    }
  }

  /** Opens a section for a navigation target, without remembering it. */
  reveal(f: Fold): void {
    if (this.isOpen(f)) return;
    this.forced.add(f);
    this.paint(f);
  }

  toggle(f: Fold): void {
    const open = !this.isOpen(f);
    this.forced.delete(f);
    this.chosen[f] = open;
    try {
      localStorage.setItem(KEY, JSON.stringify(this.chosen));
    } catch {
      // No storage (a locked-down profile): the choice lasts until the window closes.
    }
    this.paint(f);
    this.onToggle();
  }

  private paint(f: Fold): void {
    const open = this.isOpen(f);
    const btn = document.querySelector<HTMLButtonElement>(`button[data-fold="${f}"]`);
    const body = document.getElementById(`body-${f}`);
    if (!btn || !body) return;
    setAttr(btn, 'aria-expanded', String(open));
    if (body.hidden === open) body.hidden = !open;
    setAttr(btn.closest('section')!, 'data-open', String(open));
  }
}
