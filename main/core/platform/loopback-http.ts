/**
 * A small JSON request over node:http to a model server on this machine (the caller proves the socket from the
 * socket table). Not fetch: its first use loads undici, which costs ~14 MB of RSS and a 100+ ms event-loop
 * stall, too much for a watch that asks Ollama every few seconds. Project-named URLs never come here: they go
 * through the boundary (main/core/boundary).
 */
import http from 'node:http';

const MAX_BODY_CHARS = 4 * 1024 * 1024;

/** GET or POST `url` and parse the JSON answer (null when empty); rejects on HTTP >= 400 or after `timeoutMs`. */
export function loopbackJson(
  url: string,
  init: { method?: string; body?: string; timeoutMs: number },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(init.body) }
          : {},
        timeout: init.timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d.length + text.length > MAX_BODY_CHARS ? '' : d));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(text ? JSON.parse(text) : null);
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${init.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
