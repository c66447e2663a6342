/**
 * What the YAML package accepts but offload.yml must not hold, each found on the parsed document with its place:
 * bytes that are not UTF-8, directives other than `%YAML 1.x`, tags beyond the plain core ones (`!!python/…`,
 * `!foo`, `!!binary`), keys that name JavaScript object internals, and an alias inside the value it names.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import { yamlErrorText, type PathSeg } from './yaml-positions';
import type { AliasTargets, YamlBoundProblem } from './yaml-bounds';

/** A problem found in the document, with the key path when there is one. */
export interface YamlStrictProblem extends YamlBoundProblem {
  path?: PathSeg[];
}

/** Length of the UTF-8 sequence a lead byte starts and the smallest second byte allowed after it, or 0. */
function sequence(lead: number): [number, number, number] {
  if (lead < 0x80) return [1, 0, 0];
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f]; // no UTF-16 surrogates
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}

/** Byte offset of the first byte that does not start or continue valid UTF-8, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length;) {
    const [len, lo, hi] = sequence(buf[i] as number);
    if (len === 0) return i;
    if (len > 1) {
      const second = buf[i + 1];
      if (second === undefined || second < lo || second > hi) return i;
      for (let k = 2; k < len; k++) {
        const b = buf[i + k];
        if (b === undefined || b < 0x80 || b > 0xbf) return i;
      }
    }
    i += len;
  }
  return -1;
}

/** A file that is not UTF-8 (Latin-1, UTF-16, binary): where, as an offset into the text decoded with it. */
export function utf8Problem(buf: Buffer): YamlStrictProblem | undefined {
  const at = firstInvalidUtf8(buf);
  if (at < 0) return undefined;
  const byte = (buf[at] as number).toString(16).toUpperCase().padStart(2, '0');
  return {
    // The bytes before `at` are valid, so they decode to the same characters in the replaced text.
    offset: buf.subarray(0, at).toString('utf8').length,
    message: `the file is not valid UTF-8 (byte 0x${byte}); save offload.yml as UTF-8 (this looks like Latin-1 or another legacy encoding)`,
  };
}

/** Names of JavaScript object internals: as keys they could reach a prototype or shadow a method. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  '__proto__',
  'prototype',
]);

const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** A tag as written (`!!binary`, `!foo`), its control and invisible characters made visible. */
function shownTag(tag: string): string {
  const short = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
  const cut = short.length > 60 ? `${short.slice(0, 60)}…` : short;
  return cut.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A node on the walk; its key path is built from the parents only when a problem needs it. */
interface Frame {
  node: unknown;
  parent?: Frame;
  seg?: PathSeg;
}

function pathOf(f: Frame | undefined): PathSeg[] {
  const out: PathSeg[] = [];
  for (let x = f; x; x = x.parent) if (x.seg !== undefined) out.push(x.seg);
  return out.reverse();
}

const short = (name: string) => (name.length > 60 ? name.slice(0, 60) + '…' : name);

/**
 * One linear walk of the document (aliases not followed, so each node once) for what each mapping key and each
 * tag may not be:
 * - a repeated key (compared by string form, as in the loaded object: `1` and `"1"` are one key); the yaml
 *   package's own `uniqueKeys` check is quadratic in a map's size;
 * - a key naming an object internal (`__proto__`, `constructor`, `toString`, …), anywhere;
 * - an explicit tag other than the plain core ones (`!!str`, `!!int`, …, and the non-specific `!`): offload.yml
 *   holds plain values, and `!!python/object`, `!foo` or `!!binary` would make a value of another type.
 */
export function documentProblems(doc: Document, text: string): YamlStrictProblem[] {
  const out: YamlStrictProblem[] = [];
  const stack: Frame[] = [{ node: doc.contents }];
  while (stack.length) {
    const f = stack.pop() as Frame;
    const n = f.node;
    if (!n || typeof n !== 'object' || isAlias(n)) continue;
    const tag = (n as { tag?: unknown }).tag;
    if (typeof tag === 'string' && tag !== '!' && !CORE_TAGS.has(tag)) {
      const start = (n as Node).range?.[0] ?? 0;
      // The node's range starts after its tag: point at the tag itself.
      let at = text.lastIndexOf('!', start);
      while (at > 0 && !/[\s[{,]/.test(text[at - 1] as string)) at--;
      out.push({
        offset: at < 0 ? start : at,
        path: pathOf(f),
        message: `unsupported YAML tag '${shownTag(tag)}': offload.yml holds plain values (text, numbers, true/false, lists and mappings); remove the tag`,
      });
    }
    if (isMap(n)) {
      const keys = new Set<string>();
      for (const pair of n.items) {
        const k = pair.key;
        const name = isScalar(k) ? String(k.value) : '?';
        if (isScalar(k)) {
          const offset = k.range?.[0] ?? 0;
          if (keys.has(name)) {
            out.push({
              offset,
              message: `YAML syntax error: Map keys must be unique: '${short(name)}' is repeated`,
            });
          } else keys.add(name);
          if (RESERVED_KEYS.has(name)) {
            out.push({
              offset,
              path: [...pathOf(f), name],
              message: `reserved key '${name}': names of JavaScript object internals (__proto__, constructor, toString, valueOf, …) cannot be keys in offload.yml`,
            });
          }
        }
        stack.push({ node: pair.value, parent: f, seg: name }, { node: k, parent: f });
      }
    } else if (isSeq(n)) {
      for (let i = n.items.length - 1; i >= 0; i--) stack.push({ node: n.items[i], parent: f, seg: i });
    }
  }
  return out;
}

/**
 * Directives other than `%YAML 1.1`/`1.2` and `%TAG` (its tags are refused by unsupportedTags), from the
 * package's warnings, which it would otherwise only log.
 */
export function directiveProblems(doc: Document): YamlStrictProblem[] {
  return doc.warnings
    .filter((w) => w.code === 'BAD_DIRECTIVE')
    .map((w) => {
      const first = yamlErrorText(w);
      const version = /^Unsupported YAML version (.+)$/.exec(first)?.[1];
      const unknown = /^Unknown directive (\S+)/.exec(first)?.[1];
      return {
        offset: w.pos[0],
        message: version
          ? `unsupported YAML version ${shownTag(version)}: offload.yml is YAML 1.2 (or 1.1); remove the %YAML line`
          : unknown
            ? `unknown YAML directive ${shownTag(unknown)}: remove the line`
            : `YAML directive: ${first}`,
      };
    });
}

/**
 * Every alias inside the value its anchor names (`a: &x [*x]`): such a value would contain itself, and every
 * walk over it would recurse without end.
 */
export function recursiveAliases(doc: Document, targets: AliasTargets): YamlStrictProblem[] {
  const out: YamlStrictProblem[] = [];
  const ancestors = new Set<unknown>();
  // Depth-first with explicit enter/leave, so a deeply nested file cannot overflow the stack.
  const stack: { node: unknown; path: PathSeg[]; leave?: boolean }[] = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const item = stack.pop() as { node: unknown; path: PathSeg[]; leave?: boolean };
    const n = item.node;
    if (!n || typeof n !== 'object') continue;
    if (item.leave) {
      ancestors.delete(n);
      continue;
    }
    if (isAlias(n)) {
      if (ancestors.has(targets.get(n))) {
        out.push({
          offset: n.range?.[0] ?? 0,
          path: item.path,
          message: `YAML alias *${shownTag(n.source)} is inside the value it names (a recursive anchor); a value cannot contain itself`,
        });
      }
      continue;
    }
    ancestors.add(n);
    stack.push({ node: n, path: item.path, leave: true });
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const seg = isScalar(pair.key) ? String(pair.key.value) : '?';
        stack.push({ node: pair.value, path: [...item.path, seg] }, { node: pair.key, path: item.path });
      }
    } else if (isSeq(n)) {
      n.items.forEach((x, i) => stack.push({ node: x, path: [...item.path, i] }));
    }
  }
  return out;
}

/**
 * Repeated mapping keys only, for files Offload edits but does not own (where tags and key names are theirs):
 * one walk, aliases not followed, nothing kept per node but the keys of the map at hand.
 */
export function duplicateKeys(doc: Document): YamlStrictProblem[] {
  const out: YamlStrictProblem[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (!n || typeof n !== 'object' || isAlias(n)) continue;
    if (isMap(n)) {
      const keys = new Set<string>();
      for (const pair of n.items) {
        const k = pair.key;
        if (isScalar(k)) {
          const name = String(k.value);
          if (keys.has(name))
            out.push({
              offset: k.range?.[0] ?? 0,
              message: `YAML syntax error: Map keys must be unique: '${short(name)}' is repeated`,
            });
          else keys.add(name);
        }
        if (pair.value && typeof pair.value === 'object') stack.push(pair.value);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) if (item && typeof item === 'object') stack.push(item);
    }
  }
  return out;
}
