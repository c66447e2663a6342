/**
 * Secret masking as GitHub Actions does it: every known secret value (and each line of a multi-line one) is
 * replaced by *** in logs, events and outputs; `::add-mask::value` lines in a step's output add values.
 * Output is masked line by line so a secret split across chunks is still caught.
 */

/**
 * Values shorter than this are not masked (refused, with a message in the step's log): hiding `e` or `ok`
 * would blank that text in every line, Offload's own included, and hide nothing a reader could not guess.
 */
export const MIN_MASK_LENGTH = 4;

/**
 * A value as a URL (a query string, a logged request) may carry it: percent-encoded as a component and
 * form-encoded, and as the URL parser leaves it in a path or a query, where a space is %20 but `/ & + ?` stay
 * (`?s=${{ secrets.X }}`); and of a value holding `#`, the part a URL sends, before it. Forms shorter than
 * MIN_MASK_LENGTH are left out.
 */
function urlForms(value: string): string[] {
  const encoded = encodeURIComponent(value);
  const forms = [encoded, encoded.replace(/%20/g, '+')];
  for (const v of new Set([value.replace(/#/g, '%23'), value.split('#')[0]!])) {
    try {
      forms.push(
        new URL(`http://h/?${v}`).search.slice(1),
        new URL(`http://h/${v.replace(/\?/g, '%3F')}`).pathname.slice(1),
      );
    } catch {
      // not a URL's part (never for these): the encoded forms still count
    }
  }
  return forms.filter((f) => f !== value && f.trim().length >= MIN_MASK_LENGTH);
}

/** The set of values to hide, longest first. */
export class Masker {
  private values: string[] = [];
  private bytes: Buffer[] | undefined;
  private readonly refusedListeners = new Set<(length: number) => void>();
  private readonly refused = new Set<string>();

  /** Calls `fn` with the length of each `::add-mask::` value refused as too short; returns the unsubscribe. */
  onRefused(fn: (length: number) => void): () => void {
    this.refusedListeners.add(fn);
    return () => this.refusedListeners.delete(fn);
  }

  /** Longest value length (what a line buffer must hold back to catch a split secret). */
  get maxLength(): number {
    return this.values[0]?.length ?? 0;
  }

  get size(): number {
    return this.values.length;
  }

  /** A value an `::add-mask::` line (or ctx.addMask) declared: added, or refused (listeners told) when too short. */
  addDeclared(value: string): void {
    const length = value.trim().length;
    if (length >= MIN_MASK_LENGTH) this.add(value);
    else if (length > 0 && !this.refused.has(value)) {
      // Said once per value: a line is read both to learn its value and to show it.
      this.refused.add(value);
      for (const fn of this.refusedListeners) fn(length);
    }
  }

  /**
   * Adds a value to hide, and each of its lines when it has several (lines shorter than MIN_MASK_LENGTH
   * left out: the whole value still is). Whitespace-only values are ignored.
   */
  add(value: string | undefined): void {
    if (!value) return;
    const lines = value.split(/\r?\n/).map((l) => l.trim());
    const parts = [value, ...(lines.length > 1 ? lines.filter((l) => l.length >= MIN_MASK_LENGTH) : lines)];
    parts.push(...urlForms(value));
    let added = false;
    for (const v of parts) {
      if (!v.trim() || this.values.includes(v)) continue;
      this.values.push(v);
      added = true;
    }
    if (added) {
      this.values.sort((a, b) => b.length - a.length);
      this.bytes = undefined;
    }
  }

  /** The values as UTF-8 bytes, longest first. */
  private valueBytes(): Buffer[] {
    return (this.bytes ??= this.values
      .map((v) => Buffer.from(v, 'utf8'))
      .sort((a, b) => b.length - a.length));
  }

  /** Longest value length in UTF-8 bytes. */
  get maxByteLength(): number {
    return this.valueBytes()[0]?.length ?? 0;
  }

  /** The bytes with every known value replaced by ***; the same buffer when nothing matched. */
  maskBytes(buf: Buffer): Buffer {
    for (const v of this.valueBytes()) {
      let i = buf.indexOf(v);
      if (i < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (i >= 0) {
        parts.push(buf.subarray(from, i), STARS);
        from = i + v.length;
        i = buf.indexOf(v, from);
      }
      parts.push(buf.subarray(from));
      buf = Buffer.concat(parts);
    }
    return buf;
  }

  /** Like safeCut, on bytes: `cut` or earlier so that no value's occurrence straddles it. */
  safeCutBytes(buf: Buffer, cut: number): number {
    let moved = true;
    while (moved) {
      moved = false;
      for (const v of this.valueBytes()) {
        let i = buf.indexOf(v, Math.max(0, cut - v.length + 1));
        while (i >= 0 && i < cut) {
          if (i + v.length > cut) {
            cut = i;
            moved = true;
            break;
          }
          i = buf.indexOf(v, i + 1);
        }
      }
    }
    return cut;
  }

  /**
   * Where the longest end of buf that could be the beginning of a value starts (buf.length when none could):
   * the bytes from there on must wait for what follows them.
   */
  secretStart(buf: Buffer): number {
    let start = buf.length;
    for (const v of this.valueBytes()) {
      for (let k = Math.min(v.length - 1, buf.length); k > 0 && buf.length - k < start; k--) {
        if (buf.compare(v, 0, k, buf.length - k) === 0) {
          start = buf.length - k;
          break;
        }
      }
    }
    return start;
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
const ADD_MASK_BYTES = Buffer.from(ADD_MASK);
const STARS = Buffer.from('***');
/** The end of '::add-mask::' that ordinary output holds far more rarely than ':' (what a search keys on). */
const ADD_MASK_TAIL = ADD_MASK_BYTES.subarray(5);

/**
 * Whether buf holds '::add-mask::': as buf.indexOf(ADD_MASK_BYTES) >= 0, but keyed on '-mask::', which is
 * several times faster on output with a colon in every line (timestamps, key: value). It runs over every
 * byte a step prints.
 */
function hasAddMask(buf: Buffer): boolean {
  for (let i = buf.indexOf(ADD_MASK_TAIL, 5); i >= 0; i = buf.indexOf(ADD_MASK_TAIL, i + 1)) {
    if (buf.compare(ADD_MASK_BYTES, 0, 5, i - 5, i) === 0) return true;
  }
  return false;
}
const EMPTY = Buffer.alloc(0);

/** `::add-mask::value` lines of a text: each value is added to the masker and the line reads `::add-mask::***`. */
function takeAddMasks(text: string, masker: Masker): string {
  if (!text.includes(ADD_MASK)) return text;
  return text
    .split('\n')
    .map((line) => {
      const at = line.indexOf(ADD_MASK);
      if (at < 0 || line.slice(0, at).trim()) return line;
      masker.addDeclared(
        line
          .slice(at + ADD_MASK.length)
          .replace(/\r$/, '')
          .trim(),
      );
      return `${ADD_MASK}***`;
    })
    .join('\n');
}

const isBlank = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c;

/** Whether the line starting at `start` is, or may still become, an `::add-mask::` line. */
function mayBeAddMask(buf: Buffer, start: number): boolean {
  let i = start;
  while (i < buf.length && isBlank(buf[i])) i++;
  const n = Math.min(buf.length - i, ADD_MASK_BYTES.length);
  return buf.compare(ADD_MASK_BYTES, 0, n, i, i + n) === 0;
}

/** `end`, or up to 3 bytes earlier so that buf[0, end) does not end inside a UTF-8 sequence. */
function charBoundary(buf: Buffer, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const b = buf[i] as number;
    if (b < 0x80) return end; // ASCII: complete
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return end - i >= need ? end : i;
    }
  }
  return end;
}

/**
 * One output stream's masking on raw bytes, for the hot path of a step's output: chunks stay Buffers, and
 * without secrets or `::add-mask::` lines they pass through uncopied. Held back: an unfinished last line (up to `maxPending` bytes, so
 * lines of stdout and stderr do not interleave), the bytes a known secret could still be completing, a line that is (or may become) an `::add-mask::` line (up to
 * `maxPending` bytes), and an incomplete UTF-8 character, so that every returned piece decodes on its own.
 */
export class MaskingStream {
  private carry: Buffer = EMPTY;
  /** Whether the carry (or the next chunk) begins a line. */
  private atLineStart = true;

  constructor(
    private readonly masker: Masker,
    private readonly maxPending = 64 * 1024,
  ) {}

  /** Feeds a chunk; returns the masked bytes ready to write (empty when all of it is held back). */
  push(chunk: Buffer): Buffer {
    const parts = this.pushParts(chunk);
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /**
   * As push, but as pieces to write one after the other. The common case — no secrets known, no
   * `::add-mask::` in sight — copies nothing: the held-back partial line and the chunk's whole lines go out
   * as they are (a step printing hundreds of MB spends its time in the pipe, not here).
   */
  pushParts(chunk: Buffer): Buffer[] {
    if (this.masker.size === 0 && !hasAddMask(chunk)) {
      const lastNl = chunk.lastIndexOf(0x0a);
      if (lastNl >= 0 && chunk.length - (lastNl + 1) <= this.maxPending) {
        // The line spanning the held-back bytes and this chunk could still be an ::add-mask:: line.
        const spanning = this.carry.length
          ? Buffer.concat([this.carry, chunk.subarray(0, chunk.indexOf(0x0a) + 1)])
          : EMPTY;
        if (!hasAddMask(spanning)) {
          const head = chunk.subarray(0, lastNl + 1);
          const parts = this.carry.length ? [this.carry, head] : [head];
          this.carry = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : EMPTY;
          this.atLineStart = true;
          return parts;
        }
      }
    }
    return [this.pushSlow(chunk)];
  }

  private pushSlow(chunk: Buffer): Buffer {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (hasAddMask(buf)) this.learn(buf);
    // Whole lines, so that stdout and stderr sharing a log do not interleave inside a line; a longer
    // unfinished line goes out early, less the bytes a known secret could still be completing.
    const lastNl = buf.lastIndexOf(0x0a);
    let cut =
      buf.length - (lastNl + 1) <= this.maxPending
        ? lastNl + 1
        : Math.max(0, buf.length - Math.max(0, this.masker.maxByteLength - 1));
    if (this.masker.size) cut = this.masker.safeCutBytes(buf, cut);
    // The line the cut falls in (or the last, unfinished line) is held whole when it may be ::add-mask::.
    const lineStart = cut > 0 ? buf.lastIndexOf(0x0a, cut - 1) + 1 : 0;
    if (lineStart < cut && (lineStart > 0 || this.atLineStart)) {
      const lineEnd = buf.indexOf(0x0a, lineStart);
      const lineLen = (lineEnd < 0 ? buf.length : lineEnd) - lineStart;
      if (lineLen <= this.maxPending && mayBeAddMask(buf, lineStart)) cut = lineStart;
    }
    cut = charBoundary(buf, cut);
    const atLineStart = this.atLineStart;
    if (cut > 0) this.atLineStart = buf[cut - 1] === 0x0a;
    this.carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : EMPTY;
    return this.emit(cut === buf.length ? buf : buf.subarray(0, cut), atLineStart);
  }

  /** The held-back rest, masked (at the end of the stream). */
  flush(): Buffer {
    const rest = this.carry;
    this.carry = EMPTY;
    return rest.length ? this.emit(rest, this.atLineStart) : EMPTY;
  }

  /**
   * What of the held-back bytes can go out now that the stream has gone quiet: a prompt, or a last line
   * without a newline (curl printing JSON) while the step still runs. All of it, masked, but the end that
   * could begin a known secret, a line that may still become `::add-mask::`, and an incomplete UTF-8
   * character; the rest of the line follows with the next chunk.
   */
  flushQuiet(): Buffer {
    const buf = this.carry;
    if (!buf.length) return EMPTY;
    let cut = buf.length;
    if (this.masker.size) cut = this.masker.safeCutBytes(buf, this.masker.secretStart(buf));
    const lineStart = cut > 0 ? buf.lastIndexOf(0x0a, cut - 1) + 1 : 0;
    if (lineStart < cut && (lineStart > 0 || this.atLineStart) && mayBeAddMask(buf, lineStart)) {
      cut = lineStart;
    }
    cut = charBoundary(buf, cut);
    if (cut === 0) return EMPTY;
    const atLineStart = this.atLineStart;
    this.atLineStart = buf[cut - 1] === 0x0a;
    this.carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : EMPTY;
    return this.emit(cut === buf.length ? buf : buf.subarray(0, cut), atLineStart);
  }

  /** Adds the values of the complete `::add-mask::` lines in buf first, so the hold-back covers them too. */
  private learn(buf: Buffer): void {
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) return;
    let text = buf.toString('utf8', 0, lastNl + 1);
    if (!this.atLineStart) text = text.slice(text.indexOf('\n') + 1);
    takeAddMasks(text, this.masker);
  }

  private emit(region: Buffer, atLineStart: boolean): Buffer {
    if (!region.length) return EMPTY;
    if (hasAddMask(region)) {
      let text = region.toString('utf8');
      // The rest of a line begun earlier is not a line of its own.
      const nl = atLineStart ? -1 : text.indexOf('\n');
      if (atLineStart) text = takeAddMasks(text, this.masker);
      else if (nl >= 0) text = text.slice(0, nl + 1) + takeAddMasks(text.slice(nl + 1), this.masker);
      return Buffer.from(this.masker.mask(text), 'utf8');
    }
    return this.masker.size ? this.masker.maskBytes(region) : region;
  }
}

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
    return this.masker.mask(takeAddMasks(text, this.masker));
  }
}
