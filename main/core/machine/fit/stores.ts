/**
 * Where the local runtimes keep their models: Ollama's store (manifests naming a model blob by digest,
 * `OLLAMA_MODELS` or ~/.ollama/models), LM Studio's folders (~/.lmstudio/models, ~/.cache/lm-studio/models)
 * and llama.cpp folders named in offload.yml (`models.fit.paths`). Only names and paths are found here;
 * reading a header is the estimate's job. Walks are bounded in depth and entries.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readProjectText } from '../../boundary/files';

/** One model file a runtime can load. */
export interface StoredModel {
  /** "llama3.1:8b" for Ollama, the path under the folder without .gguf for folders. */
  name: string;
  file: string;
  store: 'ollama' | 'lm-studio' | 'folder';
}

const MODEL_LAYER = 'application/vnd.ollama.image.model';
const MAX_ENTRIES = 5000;
const DEFAULT_REGISTRY = 'registry.ollama.ai';

const home = (env: NodeJS.ProcessEnv) => env.HOME || env.USERPROFILE || os.homedir();

const list = (dir: string): fs.Dirent[] => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).slice(0, MAX_ENTRIES);
  } catch {
    return [];
  }
};

/** Ollama's short name for a manifest path host/namespace/model/tag ("llama3:8b", "me/x:latest", "h/ns/x:t"). */
export function ollamaName(host: string, ns: string, model: string, tag: string): string {
  if (host === DEFAULT_REGISTRY) return ns === 'library' ? `${model}:${tag}` : `${ns}/${model}:${tag}`;
  return `${host}/${ns}/${model}:${tag}`;
}

/** The model blob a manifest names, or undefined (not a model manifest, or a malformed digest). */
export function manifestModelBlob(text: string, blobsDir: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const layers = (doc as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return undefined;
  for (const l of layers as { mediaType?: unknown; digest?: unknown }[]) {
    if (l?.mediaType !== MODEL_LAYER || typeof l.digest !== 'string') continue;
    const m = /^sha256[:-]([0-9a-f]{64})$/.exec(l.digest);
    return m ? path.join(blobsDir, `sha256-${m[1]}`) : undefined;
  }
  return undefined;
}

/** The models in Ollama's store (manifests/<host>/<namespace>/<model>/<tag>). */
export function ollamaModels(env: NodeJS.ProcessEnv = process.env): StoredModel[] {
  const root = env.OLLAMA_MODELS || path.join(home(env), '.ollama', 'models');
  const manifests = path.join(root, 'manifests');
  const blobs = path.join(root, 'blobs');
  const out: StoredModel[] = [];
  for (const host of list(manifests).filter((d) => d.isDirectory()))
    for (const ns of list(path.join(manifests, host.name)).filter((d) => d.isDirectory()))
      for (const model of list(path.join(manifests, host.name, ns.name)).filter((d) => d.isDirectory()))
        for (const tag of list(path.join(manifests, host.name, ns.name, model.name))) {
          if (!tag.isFile() || out.length >= MAX_ENTRIES) continue;
          const file = path.join(manifests, host.name, ns.name, model.name, tag.name);
          let text: string;
          try {
            text = readProjectText(file, { what: 'Ollama manifest', maxBytes: 1024 * 1024 });
          } catch {
            continue;
          }
          const blob = manifestModelBlob(text, blobs);
          if (blob)
            out.push({
              name: ollamaName(host.name, ns.name, model.name, tag.name),
              file: blob,
              store: 'ollama',
            });
        }
  return out;
}

/** GGUF files under `dir` (at most 4 levels down), projector files (mmproj) left out. */
export function folderModels(dir: string, store: StoredModel['store']): StoredModel[] {
  const out: StoredModel[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of list(d)) {
      if (out.length >= MAX_ENTRIES) return;
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && /\.gguf$/i.test(e.name) && !/mmproj/i.test(e.name))
        out.push({
          name: path
            .relative(dir, p)
            .replace(/\.gguf$/i, '')
            .split(path.sep)
            .join('/'),
          file: p,
          store,
        });
    }
  };
  walk(dir, 0);
  return out;
}

/** Every model the runtimes on this machine keep: Ollama's, LM Studio's, then the configured folders. */
export function findStoredModels(o: { env?: NodeJS.ProcessEnv; paths?: string[] } = {}): StoredModel[] {
  const env = o.env ?? process.env;
  const h = home(env);
  return [
    ...ollamaModels(env),
    ...folderModels(path.join(h, '.lmstudio', 'models'), 'lm-studio'),
    ...folderModels(path.join(h, '.cache', 'lm-studio', 'models'), 'lm-studio'),
    ...(o.paths ?? []).flatMap((p) => folderModels(p, 'folder')),
  ];
}

/** The stored models a user's name picks: an exact name, an Ollama name without ":latest", or a file path. */
export function pickModels(all: StoredModel[], names: string[]): { found: StoredModel[]; missing: string[] } {
  const found: StoredModel[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const hit =
      all.find((m) => m.name === n) ??
      all.find((m) => m.name === `${n}:latest`) ??
      all.find((m) => m.file === path.resolve(n));
    if (hit) found.push(hit);
    else if (/\.gguf$/i.test(n) && fs.existsSync(n))
      found.push({ name: n, file: path.resolve(n), store: 'folder' });
    else missing.push(n);
  }
  return { found, missing };
}
