/**
 * Bounds on what reading offload.yml may cost: only a regular file, at most MAX_CONFIG_BYTES, YAML aliases that
 * expand to at most MAX_ALIAS_EXPANSION values (duplicate keys are found in linear time by yaml-strict.ts: the
 * yaml package's own `uniqueKeys` check scans every earlier key of the map for each key).
 */
import fs from 'node:fs';
import { isAlias, isMap, isPair, isSeq, visit, type Alias, type Document, type Node } from 'yaml';

/**
 * The biggest offload.yml read. Real ones are a few KB; 256 KB is thousands of lines. The cap also bounds the
 * parse: the yaml package parses about 40 000 short keys (≈ 470 KB) per second here, so anything under the cap
 * parses in well under a second.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** How many values YAML aliases may add in total (each `*x` adds every value of what `&x` names). */
export const MAX_ALIAS_EXPANSION = 100_000;

/** Why a config file is not read, in the user's words. */
export class ConfigReadError extends Error {}

const KIND: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isFIFO(), 'a named pipe (FIFO)'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isSocket(), 'a socket'],
];

/**
 * Reads a config file: a regular file of at most `max` bytes, not a symbolic link, else ConfigReadError. Opened
 * non-blocking, so a FIFO with no writer does not block the open; its type is taken from the open descriptor (no
 * race with a swap).
 */
export function readConfigFile(file: string, max = MAX_CONFIG_BYTES): Buffer {
  let fd: number;
  try {
    // not through a link: an offload.yml linked to ~/.git-credentials, .git/config or /proc/self/environ would
    // be quoted back in its errors (and on a CI runner, in its annotations)
    const { O_RDONLY, O_NONBLOCK = 0, O_NOFOLLOW = 0 } = fs.constants;
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new ConfigReadError(
        'the config is a symbolic link; Offload reads only an offload.yml that is a regular file (pass --config with the real file, or link the other way round)',
      );
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const kind = KIND.find(([is]) => is(st))?.[1] ?? 'not a regular file';
      throw new ConfigReadError(`the config must be a regular file; this is ${kind}`);
    }
    const tooBig = () =>
      new ConfigReadError(
        `the config is larger than ${max / 1024} KB (${st.size > max ? `${Math.ceil(st.size / 1024)} KB` : 'growing'}); offload.yml is read whole, so it is capped`,
      );
    if (st.size > max) throw tooBig();
    // Read at most max + 1 bytes whatever the size said: the file may grow while it is read.
    const buf = Buffer.allocUnsafe(max + 1);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r <= 0) break;
      n += r;
      if (n > max) throw tooBig();
    }
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** A problem found in the document: where (source offset) and what. */
export interface YamlBoundProblem {
  offset: number;
  message: string;
}

function children(node: Node): unknown[] {
  if (isMap(node) || isSeq(node)) {
    const out: unknown[] = [];
    for (const item of node.items as unknown[]) {
      if (isPair(item)) out.push(item.key, item.value);
      else out.push(item);
    }
    return out;
  }
  return [];
}

/** What each alias names: the last node anchored with its name before it. */
export type AliasTargets = ReadonlyMap<Alias, Node | undefined>;

/**
 * Every alias's target, found in one walk in source order. The yaml package's own `Alias.resolve(doc)` walks
 * the whole document for each alias: 999 aliases over a 20 000-value document took seconds.
 */
export function aliasTargets(doc: Document): AliasTargets {
  const latest = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, latest.get(node.source));
      else {
        const anchor = (node as { anchor?: string }).anchor;
        if (anchor) latest.set(anchor, node);
      }
    },
  });
  return targets;
}

/**
 * The first place where YAML aliases have added more than `max` values in total, or undefined. Each anchored
 * node's expanded size is computed once (memoised), so this is linear in the document, however deep the nesting
 * of aliases: a "billion laughs" file is refused before anything expands it.
 */
export function aliasBomb(
  doc: Document,
  max = MAX_ALIAS_EXPANSION,
  targets: AliasTargets = aliasTargets(doc),
): YamlBoundProblem | undefined {
  const memo = new Map<unknown, number>();
  const CAP = Number.MAX_SAFE_INTEGER / 4;
  const size = (node: unknown, depth: number): number => {
    if (!node || typeof node !== 'object') return 1;
    const known = memo.get(node);
    if (known !== undefined) return known;
    if (depth > 200) throw new RangeError('nesting');
    memo.set(node, 1); // an alias cycle counts as one value (yaml refuses cycles itself)
    let n = 1;
    if (isAlias(node)) n = size(targets.get(node), depth + 1);
    else for (const c of children(node as Node)) n = Math.min(CAP, n + size(c, depth + 1));
    memo.set(node, n);
    return n;
  };
  // Walk the document in source order, adding what each alias expands to.
  let added = 0;
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (isAlias(node)) {
      let n: number;
      try {
        n = size(targets.get(node), 0);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        n = Infinity;
      }
      added += n;
      if (added > max)
        return {
          offset: node.range?.[0] ?? 0,
          message: `YAML aliases here expand to more than ${max} values in all (an alias-amplified file?); write the values out or use fewer aliases`,
        };
      continue;
    }
    const cs = children(node as Node);
    for (let i = cs.length - 1; i >= 0; i--) stack.push(cs[i]);
  }
  return undefined;
}
