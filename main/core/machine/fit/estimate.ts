/**
 * How much memory a model needs to run, from its GGUF header alone (pure: header in, bytes out).
 *
 * need = weights + KV cache + compute graph, the same three parts as Ollama's own estimate
 * (llm/memory.go EstimateGPULayers, fs/ggml GraphSize) and gpustack's gguf-parser:
 * - weights: in a file that carries them (≥ 256 MB), the file's size (the header is under 0.1 % of it; reading
 *   stops at the tokenizer); else the sum of every tensor's bytes from its shape and ggml type (block size,
 *   bytes per block); with no tensor infos, the parameter count × the file type's bits per weight.
 * - KV cache: n_layer × n_ctx × n_head_kv × (key_length + value_length) × bytes per element (f16: 2). Head
 *   dimensions default to embedding_length / head_count, as in llama.cpp.
 * - compute graph: Ollama's full-offload formula at batch 512:
 *   max(4·b·(1 + 4·E + n_ctx·(1 + H)), 4·b·(E + vocab)).
 * Error margin: the formula is reproduced exactly (tests check it to the byte); against what a server really
 * allocates it is within about ±15 % (runtime buffers, CUDA context ~300–500 MB and flash attention are not
 * counted; sliding-window and MoE models are over-estimated on their KV cache), which `MARGIN` states.
 */
import type { GgufHeader, GgufValue } from './gguf-header';

/** The estimate's stated error margin against real use (±15 %). */
export const MARGIN = 0.15;
/** Ollama's default context (2048 before 0.6, 4096 since): used when neither --ctx nor config says. */
export const DEFAULT_CTX = 4096;
const BATCH = 512;

/** ggml type id → [elements per block, bytes per block] (ggml.c type_traits). */
const GGML_TYPES: Record<number, [number, number, string]> = {
  0: [1, 4, 'F32'],
  1: [1, 2, 'F16'],
  2: [32, 18, 'Q4_0'],
  3: [32, 20, 'Q4_1'],
  6: [32, 22, 'Q5_0'],
  7: [32, 24, 'Q5_1'],
  8: [32, 34, 'Q8_0'],
  9: [32, 36, 'Q8_1'],
  10: [256, 84, 'Q2_K'],
  11: [256, 110, 'Q3_K'],
  12: [256, 144, 'Q4_K'],
  13: [256, 176, 'Q5_K'],
  14: [256, 210, 'Q6_K'],
  15: [256, 292, 'Q8_K'],
  16: [256, 66, 'IQ2_XXS'],
  17: [256, 74, 'IQ2_XS'],
  18: [256, 98, 'IQ3_XXS'],
  19: [256, 50, 'IQ1_S'],
  20: [32, 18, 'IQ4_NL'],
  21: [256, 110, 'IQ3_S'],
  22: [256, 82, 'IQ2_S'],
  23: [256, 136, 'IQ4_XS'],
  24: [1, 1, 'I8'],
  25: [1, 2, 'I16'],
  26: [1, 4, 'I32'],
  27: [1, 8, 'I64'],
  28: [1, 8, 'F64'],
  29: [256, 56, 'IQ1_M'],
  30: [1, 2, 'BF16'],
  34: [256, 54, 'TQ1_0'],
  35: [256, 66, 'TQ2_0'],
  39: [32, 17, 'MXFP4'],
};

/** general.file_type → [name, bits per weight] (llama.cpp's llama_ftype; bpw as its quantize tool reports). */
const FILE_TYPES: Record<number, [string, number]> = {
  0: ['F32', 32],
  1: ['F16', 16],
  2: ['Q4_0', 4.5],
  3: ['Q4_1', 5],
  7: ['Q8_0', 8.5],
  8: ['Q5_0', 5.5],
  9: ['Q5_1', 6],
  10: ['Q2_K', 2.96],
  11: ['Q3_K_S', 3.5],
  12: ['Q3_K_M', 3.91],
  13: ['Q3_K_L', 4.27],
  14: ['Q4_K_S', 4.58],
  15: ['Q4_K_M', 4.89],
  16: ['Q5_K_S', 5.54],
  17: ['Q5_K_M', 5.7],
  18: ['Q6_K', 6.56],
  19: ['IQ2_XXS', 2.06],
  30: ['IQ4_XS', 4.25],
  32: ['BF16', 16],
};

/** The general.file_type id of a quantization's name ("Q4_K_M" → 15), as Ollama's details name it. */
export function fileTypeId(name: string): number | undefined {
  const hit = Object.entries(FILE_TYPES).find(([, [n]]) => n === name.toUpperCase());
  return hit ? Number(hit[0]) : undefined;
}

export interface FitEstimate {
  architecture: string;
  /** The quantization by name ("Q4_K_M"), from general.file_type or the most common tensor type. */
  quantization: string;
  parameters: number;
  layers: number;
  ctx: number;
  weightsBytes: number;
  kvBytes: number;
  graphBytes: number;
  /** weights + KV cache + compute graph. */
  needBytes: number;
  /** How the weights were counted: "tensors", "parameters × bpw" or "file size". */
  weightsFrom: 'tensors' | 'parameters × bpw' | 'file size';
}

const num = (v: GgufValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;

/** Bytes of one tensor of `type` with `elements` elements (unknown type: f16, the common case). */
export function tensorBytes(type: number, elements: number): number {
  const [block, bytes] = GGML_TYPES[type] ?? [1, 2];
  return Math.ceil(elements / block) * bytes;
}

/** Why a header cannot be estimated (not a transformer LLM the formula covers), or undefined. */
export function unsupportedReason(h: GgufHeader): string | undefined {
  const arch = h.metadata.get('general.architecture');
  if (typeof arch !== 'string') return 'no general.architecture in the header';
  if (num(h.metadata.get(`${arch}.block_count`)) === undefined) return `no ${arch}.block_count in the header`;
  if (num(h.metadata.get(`${arch}.embedding_length`)) === undefined)
    return `no ${arch}.embedding_length in the header`;
  return undefined;
}

/** The estimate for `ctx` tokens (default: the model's own context length, capped at DEFAULT_CTX). */
export function estimateFit(
  h: GgufHeader,
  o: { ctx?: number; kvBytesPerElement?: number } = {},
): FitEstimate {
  const m = h.metadata;
  const arch = String(m.get('general.architecture') ?? 'unknown');
  const get = (k: string) => num(m.get(`${arch}.${k}`));
  const layers = get('block_count') ?? 0;
  const embd = get('embedding_length') ?? 0;
  const heads = get('attention.head_count') ?? 1;
  const headsKv = get('attention.head_count_kv') ?? heads;
  const headK = get('attention.key_length') ?? Math.floor(embd / Math.max(1, heads));
  const headV = get('attention.value_length') ?? Math.floor(embd / Math.max(1, heads));
  const trained = get('context_length');
  const ctx = o.ctx ?? Math.min(trained ?? DEFAULT_CTX, DEFAULT_CTX);
  const tokens = m.get('tokenizer.ggml.tokens');
  const vocab = get('vocab_size') ?? (typeof tokens === 'object' && tokens ? tokens.length : 0);

  let parameters = 0;
  let weightsBytes = 0;
  const byType = new Map<number, number>();
  for (const t of h.tensors) {
    const n = t.dims.reduce((a, d) => a * d, 1);
    parameters += n;
    weightsBytes += tensorBytes(t.type, n);
    if (t.dims.length >= 2) byType.set(t.type, (byType.get(t.type) ?? 0) + n);
  }
  const fileType = FILE_TYPES[num(m.get('general.file_type')) ?? -1];
  let weightsFrom: FitEstimate['weightsFrom'] = 'tensors';
  if (!h.complete) {
    // A file with its weights, read up to the tokenizer: the weights are the file (less a header < 0.1 %).
    weightsBytes = h.fileBytes;
    weightsFrom = 'file size';
    parameters =
      num(m.get('general.parameter_count')) ?? (fileType ? Math.round((h.fileBytes * 8) / fileType[1]) : 0);
  } else if (h.tensors.length === 0) {
    parameters = num(m.get('general.parameter_count')) ?? 0;
    if (parameters && fileType) {
      weightsBytes = Math.ceil((parameters * fileType[1]) / 8);
      weightsFrom = 'parameters × bpw';
    } else {
      weightsBytes = h.fileBytes;
      weightsFrom = 'file size';
    }
  }
  const commonest = [...byType].sort((a, b) => b[1] - a[1])[0]?.[0];
  const quantization =
    fileType?.[0] ?? (commonest !== undefined ? (GGML_TYPES[commonest]?.[2] ?? `type ${commonest}`) : '?');

  const kvBytes = layers * ctx * headsKv * (headK + headV) * (o.kvBytesPerElement ?? 2);
  const graphBytes = Math.max(4 * BATCH * (1 + 4 * embd + ctx * (1 + heads)), 4 * BATCH * (embd + vocab));
  return {
    architecture: arch,
    quantization,
    parameters,
    layers,
    ctx,
    weightsBytes,
    kvBytes,
    graphBytes,
    needBytes: weightsBytes + kvBytes + graphBytes,
    weightsFrom,
  };
}
