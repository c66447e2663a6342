/**
 * Ollama's `/api/show` as a second source of a model's metadata, for when its blob cannot be read (a store
 * elsewhere, another user's files): the server answers with the same GGUF keys under `model_info`
 * (`<arch>.block_count`, `<arch>.embedding_length`, head counts, context length, `general.parameter_count`,
 * `general.file_type`) and `details.quantization_level`. Asked only at the local server's address (OLLAMA_HOST
 * when it names this machine, else 127.0.0.1:11434), through the boundary, with no credential and within 1 s.
 */
import { isLoopbackHost } from '../../units/loopback-host';
import type { ProjectEffects } from '../../boundary';
import { fileTypeId } from './estimate';
import type { GgufHeader, GgufValue } from './gguf-header';

/** Where and how `/api/show` is asked. */
export interface OllamaShowSource {
  /** `http://127.0.0.1:11434`: the local server only. */
  base: string;
  request: ProjectEffects['request'];
  /** Default and upper bound 1000 ms. */
  timeoutMs?: number;
}

const TIMEOUT_MS = 1000;
const MAX_BODY_CHARS = 4 * 1024 * 1024;

/**
 * The local Ollama's base URL from OLLAMA_HOST (`0.0.0.0:11434`, `http://127.0.0.1:8080`, `:11435`; a bind-all
 * address is asked on 127.0.0.1), or undefined when it names another machine (never asked there).
 */
export function localOllamaBase(env: NodeJS.ProcessEnv): string | undefined {
  const raw = (env.OLLAMA_HOST ?? '').trim();
  if (!raw) return 'http://127.0.0.1:11434';
  const m = /^(?:https?:\/\/)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?\/?$/i.exec(raw);
  if (!m) return undefined;
  let host = m[1] ?? '';
  if (host === '' || host === '0.0.0.0' || host === '[::]') host = '127.0.0.1';
  if (!isLoopbackHost(host)) return undefined;
  return `http://${host}:${m[2] ?? '11434'}`;
}

/** "8.0B" / "70.6B" / "137M" → parameters, or undefined. */
function parameterSize(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^([\d.]+)\s*([KMBT])$/i.exec(v.trim()) : null;
  if (!m) return undefined;
  const scale = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]!.toUpperCase() as 'K' | 'M' | 'B' | 'T'];
  return Math.round(Number(m[1]) * scale);
}

/**
 * A header-shaped view of an `/api/show` answer (metadata only, no tensors: the weights are counted as
 * parameters × the quantization's bits per weight), or the reason it cannot be one.
 */
export function headerFromShow(body: unknown): GgufHeader | string {
  const b = (body && typeof body === 'object' ? body : {}) as {
    model_info?: unknown;
    details?: { quantization_level?: unknown; parameter_size?: unknown };
  };
  const info = b.model_info;
  if (!info || typeof info !== 'object' || Array.isArray(info)) return 'the answer has no model_info';
  const metadata = new Map<string, GgufValue>();
  for (const [k, v] of Object.entries(info as Record<string, unknown>))
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') metadata.set(k, v);
  if (!metadata.has('general.file_type')) {
    const id = fileTypeId(String(b.details?.quantization_level ?? ''));
    if (id !== undefined) metadata.set('general.file_type', id);
  }
  if (!metadata.has('general.parameter_count')) {
    const n = parameterSize(b.details?.parameter_size);
    if (n !== undefined) metadata.set('general.parameter_count', n);
  }
  return { version: 3, metadata, tensors: [], headerBytes: 0, fileBytes: 0, complete: true };
}

/** ": model 'x' not found" from Ollama's error answer, or nothing. */
function errorOf(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    return typeof e === 'string' ? `: ${e.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** Asks the local Ollama for `model`'s metadata; rejects with a one-line reason (no answer, HTTP error, shape). */
export async function ollamaShow(src: OllamaShowSource, model: string): Promise<GgufHeader> {
  const timeoutMs = Math.min(src.timeoutMs ?? TIMEOUT_MS, TIMEOUT_MS);
  const url = `${src.base}/api/show`;
  let text: string;
  try {
    const res = await src.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}${errorOf(text)}`);
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : e.message;
    throw new Error(`POST ${url}: ${why}`, { cause: err });
  }
  if (text.length > MAX_BODY_CHARS) throw new Error(`POST ${url}: the answer is over 4 MB`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`POST ${url}: the answer is not JSON`);
  }
  const h = headerFromShow(body);
  if (typeof h === 'string') throw new Error(`POST ${url}: ${h}`);
  return h;
}
