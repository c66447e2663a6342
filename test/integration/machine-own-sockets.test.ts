/**
 * "Only my servers": a graceful unload (Ollama keep_alive 0, ComfyUI /free) goes only to a socket the matched
 * process itself listens on, proven from the socket table. A model server without a listening socket gets
 * no API call at all (signals only, said in the outcome), and the ports where its API would be by default or
 * by configuration (OLLAMA_HOST, 11434, 8188) — here another process's recording servers — receive nothing.
 * Linux only (/proc).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createMachineWatch,
  parseModelsConfig,
  parseWatchConfig,
  type MachineWatch,
} from '../../main/core/machine';
import { createLinuxProcessReader } from '../../main/core/platform/proc-linux';
import { alive, escapeRegex, fixtureSandbox } from './machine-helpers';

const linux = process.platform === 'linux';

/** A plain HTTP server on 127.0.0.1 that records every request: someone else's server on "the" port. */
async function recorder(port = 0): Promise<{ port: number; hits: string[]; close(): Promise<void> } | null> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url === '/api/ps' ? JSON.stringify({ models: [{ name: 'theirs:7b', size: 1 }] }) : '{}');
  });
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!ok) return null; // that port is taken here: the test uses the configured recorder only
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.runIf(linux)('graceful unload: only sockets the server itself listens on', () => {
  const box = fixtureSandbox('offload-own-sockets-');
  const log = path.join(box.dir, 'calls.jsonl');
  const models = parseModelsConfig({
    exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
    grace: '1000ms',
    verify: '300ms',
  });
  const recorders: NonNullable<Awaited<ReturnType<typeof recorder>>>[] = [];
  let configured: NonNullable<Awaited<ReturnType<typeof recorder>>>;
  let watch: MachineWatch;
  const calls = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { pid: number; call?: string; body?: Record<string, unknown> })
      : [];
  const allHits = () => recorders.flatMap((r) => r.hits.map((h) => `:${r.port} ${h}`));

  beforeAll(async () => {
    configured = (await recorder())!;
    recorders.push(configured);
    // Really on the default ports too, where they are free on this machine.
    for (const p of [11434, 8188]) {
      const r = await recorder(p);
      if (r) recorders.push(r);
    }
    // OLLAMA_HOST names the configured recorder: where the old code sent the unload of a socketless server.
    watch = createMachineWatch({
      models,
      watch: parseWatchConfig({ gpu: false }),
      env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${configured.port}` },
    });
  });

  afterEach(() => {
    for (const r of recorders) r.hits.length = 0;
    fs.rmSync(log, { force: true });
  });

  afterAll(async () => {
    watch?.stop();
    await box.cleanup();
    for (const r of recorders) await r.close();
  });

  it('no listening socket of its own: no API call anywhere, signals only, and the outcome says so', async () => {
    const env = { FIXTURE_LOG: log, FIXTURE_NO_LISTEN: '1', OLLAMA_HOST: '127.0.0.1:0' };
    const ollama = await box.start('ollama', ['serve'], { env: { ...env, FIXTURE_MODELS: 'llama3.2:3b' } });
    const comfy = await box.start('comfyui', ['--listen', '127.0.0.1'], { env });
    expect(ollama.info.port).toBeNull();

    // The socket table shows both hold sockets, but none listening.
    const reader = createLinuxProcessReader();
    expect(
      fs.readdirSync(`/proc/${ollama.pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${ollama.pid}/fd/${fd}`).startsWith('socket:[');
        } catch {
          return false;
        }
      }),
    ).toBe(true);
    expect(await reader.listeningSockets(ollama.pid)).toEqual([]);
    expect(await reader.listeningSockets(comfy.pid)).toEqual([]);

    const list = await watch.refreshModels();
    const o = list.find((m) => m.pid === ollama.pid);
    expect(o).toMatchObject({ server: 'ollama', ports: [] });
    expect(o!.loadedModels).toBeUndefined(); // not the recorder's "theirs:7b"
    expect(list.find((m) => m.pid === comfy.pid)?.server).toBe('comfyui');

    const dry = await watch.stopModelServers({ pids: [ollama.pid, comfy.pid], dryRun: true });
    const out = await watch.stopModelServers({ pids: [ollama.pid, comfy.pid] });
    expect(allHits()).toEqual([]);
    expect(calls().filter((c) => c.call)).toEqual([]);
    for (const d of dry) expect(d.how.join('\n')).toMatch(/no listening socket of its own/);
    expect(out.map((x) => x.result)).toEqual(['stopped', 'stopped']);
    for (const x of out) {
      expect(x.how.join('\n')).toMatch(
        new RegExp(
          `no listening socket of its own \\(pid ${x.pid}, socket table\\): no (ollama|comfyui) API call, signals only`,
        ),
      );
      expect(x.how.join('\n')).not.toMatch(/unloaded|freed models|POST/);
    }
    expect(alive(ollama.pid) || alive(comfy.pid)).toBe(false);
    expect(allHits()).toEqual([]);
    expect(calls().filter((c) => c.call)).toEqual([]);
  }, 30_000);

  it('with its own socket: the unload goes to its own port, and nowhere else', async () => {
    const env = { FIXTURE_LOG: log, OLLAMA_HOST: '127.0.0.1:0' };
    const ollama = await box.start('ollama', ['serve'], {
      env: { ...env, FIXTURE_MODELS: 'llama3.2:3b,qwen2.5:0.5b' },
    });
    const comfy = await box.start('comfyui', ['--port', '0'], { env });
    const ownOllama = ollama.info.port as number;
    const ownComfy = comfy.info.port as number;

    const reader = createLinuxProcessReader();
    expect(await reader.listeningSockets(ollama.pid)).toEqual([{ host: '127.0.0.1', port: ownOllama }]);
    expect(await reader.listeningSockets(comfy.pid)).toEqual([{ host: '127.0.0.1', port: ownComfy }]);

    const out = await watch.stopModelServers({ pids: [ollama.pid, comfy.pid] });
    const o = out.find((x) => x.pid === ollama.pid)!;
    const c = out.find((x) => x.pid === comfy.pid)!;
    expect(o.result).toBe('stopped');
    expect(o.how.filter((h) => h.startsWith('unloaded'))).toEqual(
      expect.arrayContaining([
        `unloaded llama3.2:3b (POST :${ownOllama}/api/generate keep_alive 0)`,
        `unloaded qwen2.5:0.5b (POST :${ownOllama}/api/generate keep_alive 0)`,
      ]),
    );
    expect(c.how).toContain(`freed models (POST :${ownComfy}/free)`);

    const own = calls().filter((x) => x.call?.startsWith('POST'));
    expect(
      own
        .filter((x) => x.pid === ollama.pid)
        .map((x) => x.body?.model)
        .sort(),
    ).toEqual(['llama3.2:3b', 'qwen2.5:0.5b']);
    expect(own.some((x) => x.pid === comfy.pid && x.call === 'POST /free')).toBe(true);
    expect(allHits()).toEqual([]);
    expect(alive(ollama.pid) || alive(comfy.pid)).toBe(false);
  }, 30_000);
});
