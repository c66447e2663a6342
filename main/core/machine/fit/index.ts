/**
 * Will it fit: the models the local runtimes keep, what each needs (from its GGUF header) and what is free
 * now, with a verdict per model and for the set together (what back-to-local would start). The method and its
 * error margin are in estimate.ts and the README's "Will it fit".
 */
import path from 'node:path';
import type { MachineSnapshot } from '../../vocabulary';
import type { ModelsConfig } from '../config';
import { estimateFit, unsupportedReason, type FitEstimate } from './estimate';
import { readFreeMemory } from './free';
import { readGgufHeader } from './gguf-header';
import { findStoredModels, pickModels, type StoredModel } from './stores';
import { localOllamaBase, ollamaShow, type OllamaShowSource } from './ollama-show';
import { projectEffects } from '../../boundary';
import { fitSentence, fitVerdict, fits, freeText, type FitVerdict, type FreeMemory } from './verdict';

export { MARGIN, DEFAULT_CTX, estimateFit } from './estimate';
export { readGgufHeader, GgufError } from './gguf-header';
export { fitVerdict, fitSentence, type FreeMemory, type FitVerdict } from './verdict';
export { findStoredModels, type StoredModel } from './stores';
export { localOllamaBase, ollamaShow, headerFromShow, type OllamaShowSource } from './ollama-show';

/** Where a row's numbers came from: the model file's own header, or the running Ollama's `/api/show`. */
export { FitCache, fitViewOf, type FitView, type FitViewRow } from './fit-view';
export type FitSource = 'GGUF header' | 'Ollama /api/show';

/** One model's row: its estimate and verdict, or why it could not be estimated. */
export interface FitRow {
  name: string;
  store: StoredModel['store'];
  file: string;
  estimate?: FitEstimate;
  verdict?: FitVerdict;
  error?: string;
  /** Where the estimate's metadata came from (absent when there is no estimate). */
  source?: FitSource;
}

/** The table `offload models fit` prints and the switch checks. */
export interface FitReport {
  free: FreeMemory;
  rows: FitRow[];
  /** Names given that no store holds. */
  missing: string[];
  /** The rows that could be estimated, together. */
  total: { needBytes: number; verdict: FitVerdict; fits: boolean; sentence: string };
}

export interface FitOptions {
  /** Model names (Ollama names, names under a folder, or .gguf paths); none: every stored model. */
  names?: string[];
  ctx?: number;
  env?: NodeJS.ProcessEnv;
  /** llama.cpp folders from offload.yml (`models.fit.paths`). */
  paths?: string[];
  snapshot?: MachineSnapshot | null;
  /** Free memory as already read (tests, the bench); else read now. */
  free?: FreeMemory;
  /** The local Ollama asked (`/api/show`) for a model whose blob cannot be read or no store holds; null: none. */
  ollama?: OllamaShowSource | null;
}

/** Estimates one stored model; never throws (a bad file is a row with its error). */
export function fitRow(m: StoredModel, free: FreeMemory, ctx?: number): FitRow {
  try {
    const h = readGgufHeader(m.file);
    const why = unsupportedReason(h);
    if (why) return { ...m, error: why };
    const estimate = estimateFit(h, ctx === undefined ? {} : { ctx });
    return { ...m, estimate, verdict: fitVerdict(estimate.needBytes, free), source: 'GGUF header' };
  } catch (err) {
    return { ...m, error: (err as Error).message };
  }
}

/** The fit report for the named (or all) stored models against what is free now. */
export async function checkFit(o: FitOptions = {}): Promise<FitReport> {
  const env = o.env ?? process.env;
  const all = findStoredModels({ env, paths: o.paths });
  const { found, missing } = o.names?.length ? pickModels(all, o.names) : { found: all, missing: [] };
  const free = o.free ?? (await readFreeMemory(o.snapshot ?? null, env));
  const rows = found.map((m) => fitRow(m, free, o.ctx));
  if (o.ollama) missing.splice(0, missing.length, ...(await askOllama(o.ollama, rows, missing, free, o.ctx)));
  if (o.names?.length) {
    // In the order the user named them (rows from /api/show come last otherwise).
    const at = (r: FitRow) => {
      const i = o.names!.findIndex(
        (n) => n === r.name || `${n}:latest` === r.name || path.resolve(n) === r.file,
      );
      return i < 0 ? o.names!.length : i;
    };
    rows.sort((a, b) => at(a) - at(b));
  }
  const est = rows.filter((r) => r.estimate);
  const needBytes = est.reduce((a, r) => a + r.estimate!.needBytes, 0);
  const verdict = fitVerdict(needBytes, free);
  const name = est.length === 1 ? est[0]!.name : `${est.map((r) => r.name).join(' + ') || 'nothing'}`;
  const ctx = est[0]?.estimate?.ctx ?? o.ctx ?? 0;
  return {
    free,
    rows,
    missing,
    total: {
      needBytes,
      verdict,
      fits: fits(verdict),
      sentence: est.length
        ? fitSentence(name, needBytes, ctx, free)
        : `nothing to estimate; ${freeText(free)}`,
    },
  };
}

/**
 * Fills in, from the local Ollama's `/api/show`, the Ollama rows whose blob could not be read and the names no
 * store holds (all asked at once, each within 1 s); returns the names still missing.
 */
async function askOllama(
  src: OllamaShowSource,
  rows: FitRow[],
  missing: string[],
  free: FreeMemory,
  ctx: number | undefined,
): Promise<string[]> {
  const unread = rows.filter((r) => r.error && r.store === 'ollama');
  const asks = [...unread.map((r) => r.name), ...missing];
  const answers = await Promise.allSettled(asks.map((n) => ollamaShow(src, n)));
  const still: string[] = [];
  answers.forEach((a, i) => {
    const name = asks[i]!;
    const row = unread.find((r) => r.name === name);
    if (a.status === 'rejected') {
      if (row) row.error = `${row.error}; ${(a.reason as Error).message}`;
      else still.push(name);
      return;
    }
    const why = unsupportedReason(a.value);
    const estimate = why ? undefined : estimateFit(a.value, ctx === undefined ? {} : { ctx });
    const next: FitRow = estimate
      ? {
          name,
          store: 'ollama',
          file: row?.file ?? '',
          estimate,
          verdict: fitVerdict(estimate.needBytes, free),
          source: 'Ollama /api/show',
        }
      : { name, store: 'ollama', file: row?.file ?? '', error: `Ollama /api/show: ${why}` };
    if (row) Object.assign(row, { error: undefined }, next);
    else rows.push(next);
  });
  for (const r of rows) if (r.error === undefined) delete r.error;
  return still;
}

/** The local Ollama's `/api/show` through the boundary (no project value, no credential), or null off this machine. */
export function localOllama(env: NodeJS.ProcessEnv): OllamaShowSource | null {
  const base = localOllamaBase(env);
  return base ? { base, request: projectEffects({ trusted: false, env }).request } : null;
}

/** checkFit with a project's `models.fit` (folders resolved against the project, its context as default). */
export function checkProjectFit(
  config: { dir: string; models: Pick<ModelsConfig, 'fit'> } | null,
  o: FitOptions,
): Promise<FitReport> {
  const fit = config?.models?.fit;
  return checkFit({
    ...o,
    paths: fit?.paths.map((p) => path.resolve(config!.dir, p)),
    ctx: o.ctx ?? fit?.ctx,
    ollama: o.ollama === undefined ? localOllama(o.env ?? process.env) : o.ollama,
  });
}
