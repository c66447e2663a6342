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
import { fitSentence, fitVerdict, fits, freeText, type FitVerdict, type FreeMemory } from './verdict';

export { MARGIN, DEFAULT_CTX, estimateFit } from './estimate';
export { readGgufHeader, GgufError } from './gguf-header';
export { fitVerdict, fitSentence, type FreeMemory, type FitVerdict } from './verdict';
export { findStoredModels, type StoredModel } from './stores';

/** One model's row: its estimate and verdict, or why it could not be estimated. */
export interface FitRow {
  name: string;
  store: StoredModel['store'];
  file: string;
  estimate?: FitEstimate;
  verdict?: FitVerdict;
  error?: string;
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
}

/** Estimates one stored model; never throws (a bad file is a row with its error). */
export function fitRow(m: StoredModel, free: FreeMemory, ctx?: number): FitRow {
  try {
    const h = readGgufHeader(m.file);
    const why = unsupportedReason(h);
    if (why) return { ...m, error: why };
    const estimate = estimateFit(h, ctx === undefined ? {} : { ctx });
    return { ...m, estimate, verdict: fitVerdict(estimate.needBytes, free) };
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
  });
}
