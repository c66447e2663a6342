/**
 * Minimal, format-preserving edits of single values in .env, JSON and YAML files: only the bytes of the
 * switched value change; comments, order, quoting style, indentation and line endings stay as they were.
 */
import { applyEdits, findNodeAtLocation, modify, parseTree, type ParseError } from 'jsonc-parser';
import { isScalar, parseDocument, Scalar } from 'yaml';
import type { SwitchFormat } from './config';

const pathOf = (key: string): string[] => key.split('.').filter(Boolean);

/** Reads the current value of a key (undefined when absent). */
export function readValue(text: string, format: SwitchFormat, key: string): string | undefined {
  if (format === 'env') {
    const line = findEnvLine(text, key);
    return line ? line.value : undefined;
  }
  if (format === 'json') {
    const errors: ParseError[] = [];
    const tree = parseTree(text, errors, { allowTrailingComma: true });
    if (!tree) return undefined;
    const node = findNodeAtLocation(tree, pathOf(key));
    return node && node.type !== 'object' && node.type !== 'array' ? String(node.value) : undefined;
  }
  const doc = parseDocument(text);
  const v = doc.getIn(pathOf(key));
  return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
}

/** Returns `text` with each key set to its value; throws a clear Error when the file cannot be parsed. */
export function setValues(
  text: string,
  format: SwitchFormat,
  values: Record<string, string>,
  file = 'file',
): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    if (format === 'env') out = setEnv(out, key, value);
    else if (format === 'json') out = setJson(out, key, value, file);
    else out = setYaml(out, key, value, file);
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

function envQuote(value: string, quote: EnvLine['quote']): string {
  if (quote === "'" && !value.includes("'")) return `'${value}'`;
  if (quote === '"' || quote === "'" || /[\s#"'$`\\]/.test(value)) return JSON.stringify(value);
  return value;
}

function setJson(text: string, key: string, value: string, file: string): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length > 0)
    throw new Error(`${file}: not valid JSON (at offset ${errors[0]!.offset}); nothing was changed`);
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const edits = modify(text, pathOf(key), value, {
    formattingOptions: {
      insertSpaces: !indent.startsWith('\t'),
      tabSize: indent.startsWith('\t') ? 1 : indent.length,
      eol: text.includes('\r\n') ? '\r\n' : '\n',
    },
  });
  return applyEdits(text, edits);
}

function setYaml(text: string, key: string, value: string, file: string): string {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0)
    throw new Error(
      `${file}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); nothing was changed`,
    );
  const node = doc.getIn(pathOf(key), true);
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    return text.slice(0, start) + yamlScalar(value, node) + text.slice(end);
  }
  // New key: let the Document API add it (comments are kept; formatting of new nodes is the library's).
  doc.setIn(pathOf(key), value);
  return String(doc);
}

function yamlScalar(value: string, node: Scalar): string {
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  // Plain stays plain when it reads back as the same string; otherwise double-quote it.
  const probe = parseDocument(`k: ${value}\n`);
  if (!/[\n\r]/.test(value) && probe.errors.length === 0 && probe.get('k') === value) return value;
  return JSON.stringify(value);
}
