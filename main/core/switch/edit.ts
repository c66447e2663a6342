/**
 * Minimal, format-preserving edits of single values in .env, JSON and YAML files: only the bytes of the
 * switched value change; comments, order, quoting style, indentation and line endings stay as they were.
 * YAML anchors and aliases stay as written: a switched key whose value is (or sits under) an alias, or comes
 * from a merge (`<<: *x`), is refused with its file:line instead of being flattened into a literal.
 */
import type { ParseError } from 'jsonc-parser';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { duplicateKeys } from '../config/yaml-strict';
import { yamlErrorText } from '../config/yaml-positions';
import type { SwitchFormat } from './config';

/** jsonc-parser, loaded by the first JSON file read or switched (its string tables cost every command ~0.2 MB). */
export const jsonc = (): typeof import('jsonc-parser') =>
  require('jsonc-parser') as typeof import('jsonc-parser');

const pathOf = (key: string): string[] => key.split('.').filter(Boolean);

/** A parsed YAML text and where its lines start. */
interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
}

/**
 * The last text parsed, kept for a moment: a switch reads the file's values (current()) and then edits the same
 * bytes, and a big file then costs one parse, not two. Dropped after KEEP_PARSED_MS (a parsed document takes
 * about 100 times its text's size).
 */
let lastParsed: { text: string; parsed: ParsedYaml } | undefined;
const KEEP_PARSED_MS = 2000;
let dropTimer: NodeJS.Timeout | undefined;

/**
 * Parses YAML in linear time: the yaml package's own unique-key check compares each key with every earlier
 * one of its map (a 40 000-key file took 27 s to switch); duplicates are found with one Set per map instead.
 */
function parseYaml(text: string): ParsedYaml {
  if (lastParsed?.text === text) return lastParsed.parsed;
  const lines = new LineCounter();
  const parsed = { doc: parseDocument(text, { uniqueKeys: false, lineCounter: lines }), lines };
  lastParsed = { text, parsed };
  clearTimeout(dropTimer);
  dropTimer = setTimeout(() => (lastParsed = undefined), KEEP_PARSED_MS);
  dropTimer.unref();
  return parsed;
}

/** Reads the current value of a key (undefined when absent). */
export function readValue(text: string, format: SwitchFormat, key: string): string | undefined {
  return readValues(text, format, [key])[key];
}

/** Reads the current values of several keys, parsing the text once (undefined when absent). */
export function readValues(
  text: string,
  format: SwitchFormat,
  keys: readonly string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (format === 'env') {
    for (const key of keys) out[key] = findEnvLine(text, key)?.value;
    return out;
  }
  if (format === 'json') {
    const errors: ParseError[] = [];
    const tree = jsonc().parseTree(text, errors, { allowTrailingComma: true });
    for (const key of keys) {
      const node = tree ? jsonc().findNodeAtLocation(tree, pathOf(key)) : undefined;
      out[key] = node && node.type !== 'object' && node.type !== 'array' ? String(node.value) : undefined;
    }
    return out;
  }
  return yamlValues(parseYaml(text).doc, keys);
}

function yamlValues(doc: Document, keys: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of keys) {
    const v = doc.getIn(pathOf(key));
    out[key] = v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
  }
  return out;
}

/**
 * The values the keys hold now and `text` with each key set to its value, from one parse of the text (a big
 * YAML file costs one parse per switch, not one per key and step); throws a clear Error when it cannot be parsed.
 */
export function editValues(
  text: string,
  format: SwitchFormat,
  values: Record<string, string>,
  file = 'file',
): { before: Record<string, string | undefined>; after: string } {
  if (format !== 'yaml')
    return {
      before: readValues(text, format, Object.keys(values)),
      after: setValues(text, format, values, file),
    };
  const parsed = parseYamlChecked(text, file);
  return {
    before: yamlValues(parsed.doc, Object.keys(values)),
    after: setYamlValues(text, values, file, parsed),
  };
}

/** Returns `text` with each key set to its value; throws a clear Error when the file cannot be parsed. */
export function setValues(
  text: string,
  format: SwitchFormat,
  values: Record<string, string>,
  file = 'file',
): string {
  if (format === 'yaml') return setYamlValues(text, values, file);
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    if (format === 'env') out = setEnv(out, key, value);
    else out = setJson(out, key, value, file);
  }
  return out;
}

interface EnvLine {
  start: number;
  valueStart: number;
  valueEnd: number;
  quote: '' | '"' | "'";
  value: string;
}

function findEnvLine(text: string, key: string): EnvLine | undefined {
  const re = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*=[ \t]*)(.*)$/gm;
  let found: EnvLine | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2] !== key) continue;
    const valueStart = m.index + m[1]!.length + m[2]!.length + m[3]!.length;
    let raw = m[4]!.replace(/\r$/, '');
    let quote: EnvLine['quote'] = '';
    let value: string;
    const q = raw[0];
    if ((q === '"' || q === "'") && raw.indexOf(q, 1) > 0) {
      quote = q;
      raw = raw.slice(0, raw.indexOf(q, 1) + 1);
      value = raw.slice(1, -1);
    } else {
      // Unquoted: a ` #` starts a comment.
      const hash = raw.search(/[ \t]#/);
      raw = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/[ \t]+$/, '');
      value = raw;
    }
    found = { start: m.index, valueStart, valueEnd: valueStart + raw.length, quote, value };
  }
  return found; // the last assignment wins, as in dotenv
}

function setEnv(text: string, key: string, value: string): string {
  const line = findEnvLine(text, key);
  if (!line) {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
    return `${text}${sep}${key}=${envQuote(value, '')}${eol}`;
  }
  return text.slice(0, line.valueStart) + envQuote(value, line.quote) + text.slice(line.valueEnd);
}

/** Characters a shell (and dotenv-expand, docker compose) acts on inside double quotes: `$(…)`, `$VAR`, backticks. */
const EXPANDS_IN_DOUBLE_QUOTES = /[$`]/;
/** What single quotes cannot hold on one line of a .env. */
const NOT_IN_SINGLE_QUOTES = /['\r\n]/;

function envQuote(value: string, quote: EnvLine['quote']): string {
  if (quote === "'" && !value.includes("'")) return `'${value}'`;
  // single quotes are literal to every .env reader: a sourced .env runs no `$(…)` and expands no `$VAR` of a value
  if (EXPANDS_IN_DOUBLE_QUOTES.test(value) && !NOT_IN_SINGLE_QUOTES.test(value)) return `'${value}'`;
  if (quote === '"' || quote === "'" || /[\s#"'$`\\]/.test(value)) return JSON.stringify(value);
  return value;
}

function setJson(text: string, key: string, value: string, file: string): string {
  const errors: ParseError[] = [];
  jsonc().parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length > 0)
    throw new Error(`${file}: not valid JSON (at offset ${errors[0]!.offset}); nothing was changed`);
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const edits = jsonc().modify(text, pathOf(key), value, {
    formattingOptions: {
      insertSpaces: !indent.startsWith('\t'),
      tabSize: indent.startsWith('\t') ? 1 : indent.length,
      eol: text.includes('\r\n') ? '\r\n' : '\n',
    },
  });
  return jsonc().applyEdits(text, edits);
}

/** One change to a text: the bytes from `start` to `end` become `text`. */
interface TextEdit {
  start: number;
  end: number;
  text: string;
  /** Adds a key (the text holds new lines), rather than replacing a value. */
  adds?: boolean;
}

/** Applies edits that do not overlap, in one pass (linear in the text however many there are). */
function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const e of sorted) {
    parts.push(text.slice(at, e.start), e.text);
    at = e.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function parseYamlChecked(text: string, file: string): ParsedYaml {
  const { doc, lines } = parseYaml(text);
  const error = doc.errors[0];
  const duplicate = error ? undefined : duplicateKeys(doc)[0];
  const problem = error
    ? { at: error.linePos?.[0], text: yamlErrorText(error) }
    : duplicate && { at: lines.linePos(duplicate.offset), text: duplicate.message };
  if (problem) {
    const at = problem.at ? `:${problem.at.line}:${problem.at.col}` : '';
    throw new Error(`${file}${at}: not valid YAML (${problem.text}); nothing was changed`);
  }
  return { doc, lines };
}

/**
 * Sets YAML values from one parse: values in place are replaced together; a key that must be added (rare:
 * the first switch of a file without it) is added afterwards, one parse each, so that nested additions nest.
 */
function setYamlValues(
  text: string,
  values: Record<string, string>,
  file: string,
  parsed = parseYamlChecked(text, file),
): string {
  const { doc, lines } = parsed;
  const edits: TextEdit[] = [];
  const added: [string, string][] = [];
  for (const [key, value] of Object.entries(values)) {
    const e = yamlEdit(text, doc, lines, key, value, file);
    if (e.adds) added.push([key, value]);
    else edits.push(e);
  }
  let out = applyTextEdits(text, edits);
  for (const [key, value] of added) {
    const p = parseYamlChecked(out, file);
    out = applyTextEdits(out, [yamlEdit(out, p.doc, p.lines, key, value, file)]);
  }
  return out;
}

/** The edit that sets `key` (one that `adds` it when it is missing). */
function yamlEdit(
  text: string,
  doc: Document,
  lines: LineCounter,
  key: string,
  value: string,
  file: string,
): TextEdit {
  const where = (offset: number) => `${file}:${lines.linePos(offset).line}`;
  const refuse = (at: number, why: string): never => {
    throw new Error(
      `${where(at)}: ${key}: ${why}; Offload keeps YAML aliases as written and does not flatten them. ` +
        'Switch the anchored value instead (or write the value out in place); nothing was changed',
    );
  };
  const segs = pathOf(key);
  let node: unknown = doc.contents;
  for (let i = 0; i < segs.length; i++) {
    if (isAlias(node)) refuse(node.range?.[0] ?? 0, `its value comes from the alias *${node.source}`);
    if (node === null || node === undefined) return appendYaml(text, segs.slice(i), value, 0);
    if (!isMap(node))
      throw new Error(
        `${where((node as Node).range?.[0] ?? 0)}: ${key}: \`${segs.slice(0, i).join('.')}\` is not a mapping; nothing was changed`,
      );
    const map: YAMLMap = node;
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === segs[i]);
    if (!pair) {
      const merge = map.items.find((p) => isScalar(p.key) && p.key.value === '<<');
      if (merge) {
        // The key comes through the merge (an alias): refused. A key the merged maps lack is simply added.
        const sources = isSeq(merge.value) ? merge.value.items : [merge.value];
        const merged = sources.some((src) => {
          const m = isAlias(src) ? src.resolve(doc) : src;
          return isMap(m) && m.items.some((p) => isScalar(p.key) && String(p.key.value) === segs[i]);
        });
        if (merged || !sources.every((src) => isAlias(src) || isMap(src)))
          refuse((merge.key as Node).range?.[0] ?? 0, 'its value comes from the merge `<<` here');
      }
      if (map.flow)
        throw new Error(
          `${where(map.range?.[0] ?? 0)}: ${key}: cannot add it inside a flow mapping ({ … }) without rewriting it; add the key by hand; nothing was changed`,
        );
      return insertIntoMap(text, map, segs.slice(i), value);
    }
    if (isAlias(pair.value)) {
      const what = i === segs.length - 1 ? 'its value' : `\`${segs.slice(0, i + 1).join('.')}\``;
      refuse(pair.value.range?.[0] ?? 0, `${what} is the alias *${pair.value.source}`);
    }
    node = pair.value;
  }
  if (isScalar(node) && node.range) return scalarEdit(text, node, node.range, value);
  throw new Error(`${file}: ${key} holds a mapping or list, not a value; nothing was changed`);
}

/**
 * The edit that replaces a scalar's own text. A block scalar's (`|`, `>-`, `|+` …) range runs on past its last
 * content line to take in the line break(s) after it, and those belong to the file's layout: they stay, with any
 * comment on the block's header line, so the keys that follow keep their lines.
 */
function scalarEdit(
  text: string,
  node: Scalar,
  range: NonNullable<Scalar['range']>,
  value: string,
): TextEdit {
  const [start, valueEnd] = range;
  if (node.type !== Scalar.BLOCK_LITERAL && node.type !== Scalar.BLOCK_FOLDED)
    return { start, end: valueEnd, text: yamlScalar(value, node) };
  // The value's text ends with the last line that is not blank (the header `|-` at least), before its line break.
  let end = valueEnd;
  while (end > start && /[ \t\r\n]/.test(text[end - 1]!)) end--;
  while (end < valueEnd && text[end] !== '\r' && text[end] !== '\n') end++;
  // A comment on the header line (`key: |  # note`) is kept after the new value.
  const nl = text.indexOf('\n', start);
  const header = text.slice(start, nl < 0 || nl > end ? end : nl).replace(/\r$/, '');
  const comment = /^[|>][0-9+-]*([ \t]+#.*)$/.exec(header)?.[1] ?? '';
  return { start, end, text: yamlScalar(value, node) + comment };
}

/** Lines for `segs` (nested, two more spaces per level) ending in `value`. */
function yamlLines(segs: string[], value: string, indent: number, eol: string): string {
  return segs
    .map((k, j) => {
      const pad = ' '.repeat(indent + 2 * j);
      return j === segs.length - 1 ? `${pad}${k}: ${yamlScalar(value, new Scalar(value))}` : `${pad}${k}:`;
    })
    .join(eol);
}

/** Adds missing keys at the end of the document (its top level is empty). */
function appendYaml(text: string, segs: string[], value: string, indent: number): TextEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
  return {
    start: text.length,
    end: text.length,
    text: `${sep}${yamlLines(segs, value, indent, eol)}${eol}`,
    adds: true,
  };
}

/** Adds missing keys after the last entry of a block mapping, at its indentation; other bytes stay. */
function insertIntoMap(text: string, map: YAMLMap, segs: string[], value: string): TextEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const first = map.items[0]?.key as Node | undefined;
  const last = map.items[map.items.length - 1];
  if (!first?.range || !last) return appendYaml(text, segs, value, 0);
  const indent = first.range[0] - (text.lastIndexOf('\n', first.range[0] - 1) + 1);
  const end = ((last.value as Node | null)?.range ?? (last.key as Node).range)![2];
  // The end of the line holding the last entry (its trailing comment included).
  let at = text[end - 1] === '\n' ? end : text.indexOf('\n', end);
  if (at < 0)
    return {
      start: text.length,
      end: text.length,
      text: `${eol}${yamlLines(segs, value, indent, eol)}${eol}`,
      adds: true,
    };
  if (text[at - 1] !== '\n') at += 1;
  return { start: at, end: at, text: yamlLines(segs, value, indent, eol) + eol, adds: true };
}

function yamlScalar(value: string, node: Scalar): string {
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  // Plain stays plain when it reads back as the same string; otherwise double-quote it.
  const probe = parseDocument(`k: ${value}\n`);
  if (!/[\n\r]/.test(value) && probe.errors.length === 0 && probe.get('k') === value) return value;
  return JSON.stringify(value);
}
