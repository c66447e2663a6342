/**
 * Tiny DOM helpers for a window that updates once a second for hours: write only what changed, keep
 * lists keyed and bounded, never rebuild a section that did not change. Every text and tooltip they write
 * goes through `shown`: most of it is the project's (step names, reasons, notices), and a bidi control in it
 * would reorder what the user reads.
 */
import { sanitizeForTerminal } from '../main/core/format';

/** Attributes a person reads (tooltips, labels): written as `shown` text. */
const READ_ATTRS = new Set(['title', 'aria-label', 'alt', 'placeholder']);

/**
 * Text as the window shows it, by the CLI's rule: controls and bidi characters as `⟨U+XXXX⟩`, escape
 * sequences dropped (written with textContent, never parsed as HTML).
 */
export function shown(text: string): string {
  return sanitizeForTerminal(text, { keepColour: false });
}

/** Creates an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, READ_ATTRS.has(k) ? shown(v) : v);
  }
  for (const c of children) node.append(typeof c === 'string' ? shown(c) : c);
  return node;
}

/** Sets text only when it differs (no layout work for unchanged text). */
export function setText(node: Element, text: string): void {
  const t = shown(text);
  if (node.textContent !== t) node.textContent = t;
}

/** Sets or removes an attribute only when it differs. */
export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else {
    const v = READ_ATTRS.has(name) ? shown(value) : value;
    if (node.getAttribute(name) !== v) node.setAttribute(name, v);
  }
}

/**
 * Keyed list update: reuses the element of each key, creates missing ones, removes stale ones and keeps
 * the order; at most `limit` items are shown so the DOM stays bounded whatever the input.
 */
export function keyedList<T>(
  container: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (node: HTMLElement, item: T) => void,
  limit = 50,
): void {
  const shown = items.slice(0, limit);
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(container.children) as HTMLElement[]) {
    existing.set(child.dataset.key ?? '', child);
  }
  const wanted = new Set<string>();
  let cursor: Element | null = container.firstElementChild;
  for (const item of shown) {
    const k = key(item);
    wanted.add(k);
    let node = existing.get(k);
    if (!node) {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    if (node !== cursor) container.insertBefore(node, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const [k, node] of existing) if (!wanted.has(k)) node.remove();
}

/** Memo of the last rendered key per section: a section re-renders only when its slice changed. */
export class SectionMemo {
  private readonly keys = new Map<string, string>();

  /** True (and remembered) when `value`'s key differs from last time. */
  changed(section: string, value: unknown): boolean {
    const k = JSON.stringify(value) ?? '';
    if (this.keys.get(section) === k) return false;
    this.keys.set(section, k);
    return true;
  }
}
