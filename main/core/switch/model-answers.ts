/**
 * "Verified" for a model server the rule started means it answers its API, not just that its process is
 * listed: Ollama on `/api/version` (or `/api/tags`), llama.cpp, vLLM, LM Studio and other OpenAI-compatible
 * servers on `/v1/models`. Each check is a GET to 127.0.0.1 on a port the process itself listens on (from the
 * socket table), bounded in time and size; the first that answers with JSON is the check that passed.
 */
import { loopbackJson } from '../platform/loopback-http';
import type { ModelProcess } from '../vocabulary';

/** The API paths that show a server of this kind answers, most specific first. */
export function answerPaths(server: string): string[] {
  if (server === 'ollama') return ['/api/version', '/api/tags'];
  return ['/v1/models', '/api/version'];
}

/** The first check of `m`'s API that answers with JSON ("GET http://127.0.0.1:11434/api/version answered"). */
export async function probeModelServer(
  m: Pick<ModelProcess, 'server' | 'ports'>,
  timeoutMs = 1000,
): Promise<string | undefined> {
  for (const port of m.ports.slice(0, 4)) {
    for (const p of answerPaths(m.server)) {
      const url = `http://127.0.0.1:${port}${p}`;
      const ok = await loopbackJson(url, { timeoutMs }).then(
        () => true,
        () => false,
      );
      if (ok) return `GET ${url} answered`;
    }
  }
  return undefined;
}

/** What was tried, for the message when nothing answered. */
export function triedText(m: Pick<ModelProcess, 'server' | 'ports'>): string {
  const paths = answerPaths(m.server).join(' or ');
  return m.ports.length
    ? `port ${m.ports.slice(0, 4).join(', ')} (${paths})`
    : `any port: it listens on none (${paths})`;
}
