/**
 * Error messages for offload.yml: the problem collector (file:line:col from a key path), Ajv's errors turned into
 * sentences a user can act on ("expected a duration like …", "did you mean …?"), and the final sorted list.
 */
import type { ErrorObject } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import { PHASES } from '../vocabulary';
import type { ConfigProblem } from './types';
import { COMMON_STEP_KEYS, DISPLAY_TEXT_PATTERN, URL_PATTERN } from './schema';
import { DURATION_PATTERN, DURATION_SYNTAX, SIZE_PATTERN } from '../units';
import { keyOffset, lineCol, offsetInScalar, valueOffset, type PathSeg } from './yaml-positions';

/** `phases.local.steps[1].timeout` from path segments. */
export function formatPath(segs: readonly PathSeg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function pointerToPath(pointer: string): PathSeg[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** True for a mapping (not a list, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** A value as a message names it: "a list", "the integer 3", "a string (\"x\")". */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  return `${typeof v} ${String(v)}`;
}

/** The allowed key closest to a mistyped one (edit distance ≤ 2), as a " (did you mean …?)" hint. */
export function didYouMean(key: string, allowed: readonly string[]): string {
  const dist = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j] as number;
        row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length] as number;
  };
  let best: string | undefined;
  let bestD = 3;
  for (const k of allowed) {
    const d = dist(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function expectedType(t: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    null: 'nothing',
  };
  const list = (Array.isArray(t) ? t : String(t).split(',')).map((x) => names[String(x)] ?? String(x));
  return list.join(' or ');
}

function describeBranch(s: unknown): string {
  if (!isObject(s)) return 'a value';
  if (typeof s.description === 'string' && s.description.length < 80) return s.description.replace(/\.$/, '');
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((x) => JSON.stringify(x)).join(', ')}`;
  if (s.type === 'object' && Array.isArray(s.required) && s.required.length) {
    return `a mapping with ${s.required.join(', ')}`;
  }
  if (s.type !== undefined) return expectedType(s.type);
  return 'a value of another form';
}

function patternMessage(pattern: string, value: unknown): string {
  if (pattern === DURATION_PATTERN) {
    return `expected a duration like ${DURATION_SYNTAX}, got ${typeName(value)}`;
  }
  if (pattern === SIZE_PATTERN)
    return `expected a size like "200MB", "1GB" or a number of bytes, got ${typeName(value)}`;
  if (pattern === URL_PATTERN) {
    return `expected an http:// or https:// URL (or one built by \${{ … }}), got ${typeName(value)}`;
  }
  if (pattern === '^https?://[^\\s${}]+$')
    return `expected an http:// or https:// URL written out (it is used as written: no \${{ … }}, spaces or braces), got ${typeName(value)}`;
  if (pattern === COMMON_STEP_KEYS.id?.pattern) {
    return `expected an id of letters, digits, '-' and '_' that starts with a letter or '_', got ${typeName(value)}`;
  }
  return `expected a string matching /${pattern}/, got ${typeName(value)}`;
}

/** One character DISPLAY_TEXT_PATTERN refuses (its `^[^…]*$` turned into `[…]`). */
const HIDDEN_CHAR = new RegExp(`[${DISPLAY_TEXT_PATTERN.slice(3, -3)}]`, 'u');

/**
 * A display name holding a control, line-separator or bidi character, said as what is not allowed (not the
 * schema's regex), placed at the character itself where the file holds it raw (an editor may not show it).
 */
function hiddenChar(c: Checker, segs: readonly PathSeg[], value: string): void {
  const m = HIDDEN_CHAR.exec(value);
  if (!m) return c.atValue(segs, patternMessage(DISPLAY_TEXT_PATTERN, value));
  const ch = m[0];
  const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const start = valueOffset(c.doc, segs);
  const at = offsetInScalar(c.doc, c.text, segs, ch, 0);
  const where =
    at !== start || c.text.startsWith(ch, at)
      ? ` at column ${lineCol(c.lc, at).column}`
      : `, character ${[...value.slice(0, m.index)].length + 1} of the value, written as an escape`;
  c.add(
    at,
    segs,
    `must not contain control, bidirectional or invisible characters (found ${code}${where}): they can hide or reorder what Offload shows`,
  );
}

/** Collects every problem of one config file, each placed by key path in the YAML source. */
export class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lc: LineCounter,
    readonly text: string,
  ) {}

  add(offset: number, segs: readonly PathSeg[], message: string): void {
    this.problems.push({ file: this.file, ...lineCol(this.lc, offset), path: formatPath(segs), message });
  }
  atValue(segs: readonly PathSeg[], message: string): void {
    this.add(valueOffset(this.doc, segs), segs, message);
  }
  atKey(segs: readonly PathSeg[], message: string): void {
    this.add(keyOffset(this.doc, segs), segs, message);
  }
}

export function isStepPath(segs: readonly PathSeg[]): boolean {
  return segs.length === 4 && segs[0] === 'phases' && segs[2] === 'steps' && typeof segs[3] === 'number';
}

/** Ajv's errors as problems: one sentence per fault, alternatives (oneOf/anyOf) collapsed into one. */
export function reportSchemaErrors(c: Checker, errors: ErrorObject[], data: unknown): void {
  // Collapse oneOf/anyOf: one message for the alternatives instead of each branch's complaints.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const inBranch = (e: ErrorObject) =>
    alternatives.some(
      (a) =>
        a !== e && e.schemaPath.startsWith(a.schemaPath + '/') && e.instancePath.startsWith(a.instancePath),
    );
  for (const e of errors) {
    if (inBranch(e) || e.keyword === 'if') continue;
    const segs = pointerToPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        if (isStepPath(segs)) break; // reported by checkSteps with step-kind context
        const allowed = Object.keys(
          (e.parentSchema as { properties?: object } | undefined)?.properties ?? {},
        );
        if (segs.length === 1 && segs[0] === 'phases') {
          c.atKey(
            [...segs, key],
            `unknown phase '${key}'${didYouMean(key, PHASES)}; the phases are: ${PHASES.join(', ')}`,
          );
        } else {
          c.atKey(
            [...segs, key],
            `unknown key '${key}'${didYouMean(key, allowed)}${allowed.length ? `; expected one of: ${allowed.filter((k) => k !== '$schema').join(', ')}` : ''}`,
          );
        }
        break;
      }
      case 'type':
        c.atValue(segs, `expected ${expectedType(params.type)}, got ${typeName(e.data)}`);
        break;
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(String);
        if (segs[0] === 'workflows' && segs.length === 3) {
          c.atValue(segs, `unknown phase ${JSON.stringify(e.data)}; the phases are: ${allowed.join(', ')}`);
        } else {
          c.atValue(segs, `expected one of: ${allowed.join(', ')}; got ${typeName(e.data)}`);
        }
        break;
      }
      case 'const':
        c.atValue(segs, `expected ${JSON.stringify(params.allowedValue)}, got ${typeName(e.data)}`);
        break;
      case 'pattern':
        if (params.pattern === DISPLAY_TEXT_PATTERN && typeof e.data === 'string')
          hiddenChar(c, segs, e.data);
        else c.atValue(segs, patternMessage(String(params.pattern), e.data));
        break;
      case 'maximum': {
        const duration = (e.parentSchema as { pattern?: unknown } | undefined)?.pattern === DURATION_PATTERN;
        c.atValue(
          segs,
          duration
            ? `expected a duration of at most 24d, got ${typeName(e.data)}`
            : `expected at most ${String(params.limit)}, got ${typeName(e.data)}`,
        );
        break;
      }
      case 'required':
        c.atValue(segs, `missing required key '${String(params.missingProperty)}'`);
        break;
      case 'uniqueItems':
        c.atValue(
          [...segs, Number(params.i)],
          `${JSON.stringify((e.data as unknown[])[Number(params.i)])} is listed twice`,
        );
        break;
      case 'oneOf':
      case 'anyOf': {
        const branches = Array.isArray(e.schema) ? e.schema : [];
        if (params.passingSchemas) {
          c.atValue(segs, `matches more than one allowed form: ${branches.map(describeBranch).join(' | ')}`);
        } else {
          c.atValue(segs, `expected ${branches.map(describeBranch).join(', or ')}; got ${typeName(e.data)}`);
        }
        break;
      }
      default:
        c.atValue(
          segs,
          `${e.message ?? 'is invalid'}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${typeName(e.data)})` : ''}`,
        );
    }
  }
  void data;
}

/** Problems without repeats, in file order. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
