/**
 * The polite part of a shutdown: asking a runtime to let go of its models through its own API before any
 * signal (Ollama keep_alive: 0, ComfyUI /free, llama.cpp router unload, `lms unload --all`). Every call
 * has a short timeout; failures are reported in `how`, never fatal. API calls go only to sockets the server
 * itself listens on (the caller proves them from the socket table), never to a default or configured port:
 * that port may be another user's server.
 */
import { execFile } from 'node:child_process';
import type { LoadedModel } from '../vocabulary';
import type { GracefulKind } from './catalogue';
import type { ListeningSocket } from '../platform/proc-info';
import { findOwnTool } from '../platform/shell';
import { loopbackJson } from '../platform/loopback-http';

const TIMEOUT_MS = 3000;

const json = (url: string, init?: { method?: string; body?: string }) =>
  loopbackJson(url, { ...init, timeoutMs: TIMEOUT_MS });

/** Port from an OLLAMA_HOST value (`0.0.0.0:11434`, `http://127.0.0.1:8080`, `:11435`). */
export function portFromOllamaHost(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /:(\d+)\/?$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

/** `http://host:port` of a socket (IPv6 literals bracketed). */
const base = (s: ListeningSocket) => `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
/** How a socket is named in `how`: `:11434`, or `[::1]:11434` / `10.0.0.5:11434` off 127.0.0.1. */
const at = (s: ListeningSocket) => (s.host === '127.0.0.1' ? `:${s.port}` : base(s).slice(7));

/** Models an Ollama server has loaded (GET /api/ps), or null when it does not answer there. */
export async function ollamaLoaded(where: number | ListeningSocket): Promise<LoadedModel[] | null> {
  const s = typeof where === 'number' ? { host: '127.0.0.1', port: where } : where;
  try {
    const body = (await json(`${base(s)}/api/ps`)) as {
      models?: { name?: string; model?: string; size?: number; size_vram?: number }[];
    };
    if (!body || !Array.isArray(body.models)) return null;
    return body.models.map((m) => ({
      name: m.name ?? m.model ?? '?',
      sizeBytes: m.size ?? 0,
      vramBytes: m.size_vram,
    }));
  } catch {
    return null;
  }
}

const run = (cmd: string, args: string[]) =>
  new Promise<string | null>((resolve) =>
    execFile(cmd, args, { timeout: 15_000, windowsHide: true }, (err) => resolve(err ? err.message : null)),
  );

/**
 * Runs the graceful step of `kind` against `sockets`, the ones the server itself listens on (and nothing
 * else); returns what it did, for the outcome's `how`.
 */
export async function gracefulRelease(
  kind: GracefulKind,
  sockets: ListeningSocket[],
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const how: string[] = [];
  if (kind === 'ollama') {
    for (const sock of sockets) {
      const port = at(sock);
      const models = await ollamaLoaded(sock);
      if (models === null) continue;
      for (const m of models) {
        try {
          await json(`${base(sock)}/api/generate`, {
            method: 'POST',
            body: JSON.stringify({ model: m.name, keep_alive: 0 }),
          });
          how.push(`unloaded ${m.name} (POST ${port}/api/generate keep_alive 0)`);
        } catch (err) {
          how.push(`could not unload ${m.name}: ${(err as Error).message}`);
        }
      }
      if (models.length === 0) how.push(`no models loaded (GET ${port}/api/ps)`);
      break;
    }
  } else if (kind === 'comfyui') {
    for (const sock of sockets) {
      try {
        await json(`${base(sock)}/free`, {
          method: 'POST',
          body: JSON.stringify({ unload_models: true, free_memory: true }),
        });
        how.push(`freed models (POST ${at(sock)}/free)`);
        break;
      } catch {
        /* not this port */
      }
    }
  } else if (kind === 'llama.cpp') {
    for (const sock of sockets) {
      try {
        const list = (await json(`${base(sock)}/models`)) as { data?: { id?: string }[] };
        const ids = (list?.data ?? []).flatMap((d) => (d.id ? [d.id] : []));
        for (const id of ids) {
          try {
            await json(`${base(sock)}/models/unload`, {
              method: 'POST',
              body: JSON.stringify({ model: id }),
            });
            how.push(`unloaded ${id} (POST ${at(sock)}/models/unload)`);
          } catch {
            /* not a router: single-model servers have no unload endpoint */
          }
        }
        break;
      } catch {
        /* not this port */
      }
    }
  } else if (kind === 'lms') {
    const lms = findOwnTool('lms', env);
    if (lms) {
      const e1 = await run(lms, ['unload', '--all']);
      how.push(e1 ? `lms unload --all failed: ${e1}` : 'lms unload --all');
      const e2 = await run(lms, ['server', 'stop']);
      how.push(e2 ? `lms server stop failed: ${e2}` : 'lms server stop');
    }
  }
  return how;
}
