/** Maps a key path in the loaded data back to its place in the YAML source, for 1-based file:line:col. */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/**
 * A yaml error's or warning's first line without the " at line N, column M:" the package appends: offload.yml,
 * templates and switch files place their problems themselves (file:line:column).
 */
export function yamlErrorText(e: { message: string }): string {
  return e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message;
}

/** One step of a key path: a map key or a sequence index. */
export type PathSeg = string | number;

/** Where a path points: the value node and, for map entries, the key node. */
export interface Located {
  node?: Node;
  key?: Node;
  /** True when every segment of the path was found. */
  complete: boolean;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function findPair(
  doc: Document,
  map: unknown,
  seg: string,
  depth = 0,
): { key?: Node; value?: Node } | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  let merged: { key?: Node; value?: Node } | undefined;
  for (const item of map.items) {
    if (!isPair(item)) continue;
    const k = item.key;
    const kv = isScalar(k) ? k.value : k;
    if (String(kv) === seg) return { key: k as Node, value: (item.value ?? undefined) as Node | undefined };
    if (kv === '<<' && !merged) {
      // Merge keys (`<<: *base`): look in the merged maps too.
      const src = resolve(doc, item.value);
      const sources = isSeq(src) ? src.items.map((x) => resolve(doc, x)) : [src];
      for (const s of sources) {
        merged = findPair(doc, s, seg, depth + 1);
        if (merged) break;
      }
    }
  }
  return merged;
}

/** Walks the document along `path` as far as it can. */
export function locate(doc: Document, path: readonly PathSeg[]): Located {
  let node = resolve(doc, doc.contents) as Node | undefined;
  let key: Node | undefined;
  for (const seg of path) {
    if (typeof seg === 'number' && isSeq(node)) {
      const next = node.items[seg];
      if (next === undefined) return { node, key, complete: false };
      key = undefined;
      node = resolve(doc, next) as Node;
      continue;
    }
    const pair = findPair(doc, node, String(seg));
    if (!pair) return { node, key, complete: false };
    key = pair.key;
    node = resolve(doc, pair.value) as Node | undefined;
    if (!node) return { node: undefined, key, complete: true };
  }
  return { node, key, complete: true };
}

/** 1-based line and column of a source offset. */
export function lineCol(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/** True for an empty value (`key:` with nothing after it), which has no useful position of its own. */
export function isEmptyValue(node: Node | undefined): boolean {
  return !node || (isScalar(node) && node.value === null && !node.source);
}

/** Offset of the value at `path` (or of its key when the value is empty, or of the deepest node found). */
export function valueOffset(doc: Document, path: readonly PathSeg[]): number {
  const at = locate(doc, path);
  if (at.complete && !isEmptyValue(at.node) && at.node?.range) return at.node.range[0];
  if (at.key?.range) return at.key.range[0];
  return at.node?.range?.[0] ?? 0;
}

/** Offset of the key at the end of `path` (e.g. an unknown key); falls back to the value. */
export function keyOffset(doc: Document, path: readonly PathSeg[]): number {
  const at = locate(doc, path);
  if (at.complete && at.key?.range) return at.key.range[0];
  return valueOffset(doc, path);
}

/** Offset of text found inside the scalar at `path` (the n-th occurrence of `needle`), else the scalar's start. */
export function offsetInScalar(
  doc: Document,
  source: string,
  path: readonly PathSeg[],
  needle: string,
  nth: number,
): number {
  const at = locate(doc, path);
  const range = at.complete ? at.node?.range : undefined;
  if (!range) return valueOffset(doc, path);
  const slice = source.slice(range[0], range[1]);
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = slice.indexOf(needle, idx + 1);
    if (idx < 0) return range[0];
  }
  return range[0] + idx;
}

/** True for a YAML merge key (`<<`), which the parser reads as a symbol, not as the string '<<'. */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

/**
 * Offset of the key at the end of `path` where the file writes it for this place: the key itself when every
 * map on the way holds it directly, else the first alias (`*name`) or merge key (`<<: *name`) on the way that
 * brought it here. A value copied from elsewhere is blamed where it was copied in, not at its anchor (which
 * may sit in a place where it is allowed).
 */
export function ownKeyOffset(doc: Document, path: readonly PathSeg[]): number {
  let node: unknown = doc.contents;
  for (const [i, seg] of path.entries()) {
    if (isAlias(node)) return node.range?.[0] ?? 0;
    if (typeof seg === 'number' && isSeq(node)) {
      node = node.items[seg];
      continue;
    }
    if (!isMap(node)) break;
    const pairs = node.items.filter(isPair);
    const pair = pairs.find(
      (p) => !isMergeKey(p.key) && String(isScalar(p.key) ? p.key.value : p.key) === seg,
    );
    if (!pair) {
      const merge = pairs.find((p) => isMergeKey(p.key));
      const at = (merge?.key as Node | undefined)?.range?.[0];
      if (at !== undefined) return at;
      break;
    }
    if (i === path.length - 1) return (pair.key as Node | undefined)?.range?.[0] ?? keyOffset(doc, path);
    node = pair.value;
  }
  return keyOffset(doc, path);
}
