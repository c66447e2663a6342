/**
 * Project text on its way to a person: what a step printed, a command offload.yml would run, a key named in an
 * error. A terminal obeys escape sequences (OSC 52 writes the clipboard, OSC 0/2 the window title, CSI clears
 * the screen or moves the cursor over what was shown), a carriage return or backspace overwrites text, and
 * bidi and zero-width characters reorder or hide it. Two ways out: `visibleText` shows every such character as
 * `⟨U+XXXX⟩` (a review must show exactly what it approves), `sanitizeForTerminal` drops escape sequences
 * (colours kept on request) and shows the other controls and the bidi ones (step output stays readable).
 */

/** Bidi embeddings, overrides and isolates, marks, and the Arabic letter mark: they reorder what is shown. */
const BIDI = '\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c';
/** Zero-width and invisible characters, the line and paragraph separators, the soft hyphen. */
const INVISIBLE = '\u200b-\u200d\u2060\ufeff\u2028\u2029\u00ad';
/** C0 controls but tab and newline, DEL, C1 controls. */
const CONTROLS = '\u0000-\u0008\u000b-\u001f\u007f-\u009f';

const HIDDEN = new RegExp(`[${CONTROLS}${BIDI}${INVISIBLE}]`, 'gu');
const HIDDEN_TEST = new RegExp(`[${CONTROLS}${BIDI}${INVISIBLE}]`, 'u');

const codePoint = (c: string): string =>
  `⟨U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`;

/** Options of visibleText. */
export interface VisibleTextOptions {
  /** Keep line breaks as line breaks (default true); false shows them too, for one-line places. */
  newlines?: boolean;
}

/**
 * The text with every control, bidi and zero-width character shown as `⟨U+XXXX⟩` (tabs kept; line breaks kept
 * unless `newlines: false`), for a review or an error message that must show exactly what is there.
 */
export function visibleText(s: string, opts: VisibleTextOptions = {}): string {
  const keepNewlines = opts.newlines ?? true;
  const shown = HIDDEN_TEST.test(s) ? s.replace(HIDDEN, codePoint) : s;
  return keepNewlines ? shown : shown.replace(/\n/g, codePoint);
}

/**
 * JSON (or a YAML double-quoted scalar, which JSON's strings are) with the characters JSON.stringify leaves raw
 * that act on a terminal or hide text — DEL, C1 controls, bidi, zero-width — written as `\uXXXX`: the same
 * value, nothing raw in the file or on the screen.
 */
export function escapeHiddenInJson(json: string): string {
  return HIDDEN_TEST.test(json)
    ? json.replace(HIDDEN, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)
    : json;
}

/**
 * One token of what a terminal would act on: an escape sequence — CSI (7-bit and 8-bit), OSC strings (ended by
 * BEL or ST, or unterminated), DCS/SOS/PM/APC strings (7- and 8-bit), two- and three-byte escapes, a lone ESC —
 * a run of carriage returns (with the newline after it), or one other control or bidi character (its
 * single-character class is CONTROLS and BIDI: a bidi override reorders the text after it, as in Trojan Source).
 */
const ESCAPE_SEQUENCE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /(?:\x1b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\u009d)[^\x07\x1b\u009c\n]*(?:\x07|\x1b\\|\u009c)?|(?:\x1b[PX^_]|[\u0090\u0098\u009e\u009f])[^\x1b\u009c\n]*(?:\x1b\\|\u009c)?|\x1b[ -/]*[0-~]?|\r+\n?/
    .source;
const TOKEN = new RegExp(`${ESCAPE_SEQUENCE}|[${CONTROLS}${BIDI}]`, 'g');
const TOKEN_TEST = new RegExp(`[${CONTROLS}${BIDI}]`, 'u');
/** A colour (SGR) sequence, the one kind a terminal showing colour may receive from a step. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SGR = /^\x1b\[[0-9;:]*m$/;

/** Options of sanitizeForTerminal. */
export interface SanitizeOptions {
  /** Keep colour (SGR) sequences: only for a TTY that shows colour. */
  keepColour: boolean;
}

/**
 * Step output made safe to print: colour sequences kept when asked, every other escape sequence (clipboard,
 * title, hyperlinks, screen clearing, cursor moves, device strings, a lone ESC) dropped, a carriage return
 * that would overwrite the line turned into a line break, other control characters and the bidi controls
 * (which reorder what follows them) shown as `⟨U+XXXX⟩`. Zero-width characters stay: joiners build emoji.
 */
export function sanitizeForTerminal(s: string, opts: SanitizeOptions): string {
  if (!TOKEN_TEST.test(s)) return s;
  let coloured = false;
  const shown = s.replace(TOKEN, (t) => {
    if (t.length === 1 && t !== '\x1b' && t !== '\r') return codePoint(t);
    if (t.startsWith('\r')) return '\n';
    if (!opts.keepColour || !SGR.test(t)) return '';
    coloured = true;
    return t;
  });
  // A kept colour ends with its line: what follows (Offload's own lines, the next step's) starts plain, where an
  // unreset ESC[8m would hide it
  if (!coloured) return shown;
  return `${shown.replace(/\n/g, `${SGR_RESET}\n`)}${shown.endsWith('\n') ? '' : SGR_RESET}`;
}

/** Resets every colour and attribute (SGR 0). */
const SGR_RESET = '\x1b[0m';
