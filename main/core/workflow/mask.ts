/**
 * Secret masking as GitHub Actions does it: every known secret value (and each line of a multi-line one) is
 * replaced by *** in logs, events and outputs; `::add-mask::value` lines in a step's output add values.
 * Output is masked line by line so a secret split across chunks is still caught.
 */

/** The set of values to hide, longest first. */
export class Masker {
  private values: string[] = [];

  /** Longest value length (what a line buffer must hold back to catch a split secret). */
  get maxLength(): number {
    return this.values[0]?.length ?? 0;
  }

  get size(): number {
    return this.values.length;
  }

  /** Adds a value (and each of its lines) to hide. Whitespace-only values are ignored. */
  add(value: string | undefined): void {
    if (!value) return;
    const parts = [value, ...value.split(/\r?\n/).map((l) => l.trim())];
    let added = false;
    for (const v of parts) {
      if (!v.trim() || this.values.includes(v)) continue;
      this.values.push(v);
      added = true;
    }
    if (added) this.values.sort((a, b) => b.length - a.length);
  }

  /** The text with every known value replaced by ***. */
  mask(text: string): string {
    for (const v of this.values) if (text.includes(v)) text = text.split(v).join('***');
    return text;
  }

  /** Masks every string inside a JSON-like value (keys too). */
  maskDeep<T>(value: T): T {
    if (!this.values.length) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.mask(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') {
        return Object.fromEntries(
          Object.entries(v as Record<string, unknown>).map(([k, x]) => [this.mask(k), walk(x)]),
        );
      }
      return v;
    };
    return walk(value) as T;
  }

  /**
   * Where text may be cut without splitting an occurrence of a value: `cut`, or earlier so that no value
   * straddles the cut.
   */
  safeCut(text: string, cut: number): number {
    let moved = true;
    while (moved) {
      moved = false;
      for (const v of this.values) {
        let i = text.indexOf(v, Math.max(0, cut - v.length + 1));
        while (i >= 0 && i < cut) {
          if (i + v.length > cut) {
            cut = i;
            moved = true;
            break;
          }
          i = text.indexOf(v, i + 1);
        }
      }
    }
    return cut;
  }
}

const ADD_MASK = '::add-mask::';

/**
 * One output stream's line buffer: takes decoded chunks, returns the text that is safe to emit (masked, whole
 * lines), holding back a partial last line. A line longer than `maxPending` is emitted early, minus the tail a
 * secret could still be completing.
 */
export class MaskingLineBuffer {
  private pending = '';

  constructor(
    private readonly masker: Masker,
    private readonly maxPending = 64 * 1024,
  ) {}

  /** Feeds a chunk; returns masked text ready to write ('' when all of it is held back). */
  push(chunk: string): string {
    const buf = this.pending + chunk;
    const nl = buf.lastIndexOf('\n');
    if (nl < 0) {
      if (buf.length <= this.maxPending) {
        this.pending = buf;
        return '';
      }
      const cut = this.masker.safeCut(buf, buf.length - Math.max(0, this.masker.maxLength - 1));
      this.pending = buf.slice(cut);
      return this.masker.mask(buf.slice(0, cut));
    }
    this.pending = buf.slice(nl + 1);
    return this.emit(buf.slice(0, nl + 1));
  }

  /** The held-back rest, masked (at the end of the stream). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest ? this.emit(rest) : '';
  }

  private emit(text: string): string {
    if (text.includes(ADD_MASK)) {
      text = text
        .split('\n')
        .map((line) => {
          const at = line.indexOf(ADD_MASK);
          if (at < 0 || line.slice(0, at).trim()) return line;
          this.masker.add(
            line
              .slice(at + ADD_MASK.length)
              .replace(/\r$/, '')
              .trim(),
          );
          return `${ADD_MASK}***`;
        })
        .join('\n');
    }
    return this.masker.mask(text);
  }
}
