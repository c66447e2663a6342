/**
 * Bringing the local model servers back (`switch.local-models.start`), verified: the command runs detached
 * with its output in a log file, and the start counts only when a model server it did not see before is
 * listed and answers its API on its port (model-answers) within the timeout. A command that is missing or exits with an error, or nothing showing up in
 * time, is a failure with the reason; whatever the command left running is then stopped again.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeProjectFile, openProjectFile, readRange } from '../boundary/files';
import { ensurePrivateDir } from '../platform/atomic-file';
import { formatDurationCompact } from '../format';
import type { ModelProcess } from '../vocabulary';
import type { ModelControl } from '../rule/enforcer';
import { probeModelServer, triedText } from './model-answers';

export interface LocalModelsStart {
  ok: boolean;
  command: string;
  /** The started command's pid (its process group on Unix). */
  pid?: number;
  /** "started Ollama (pid 123), verified: GET http://127.0.0.1:11434/api/version answered", or why not. */
  reason: string;
}

export interface StartLocalModelsOptions {
  command: string;
  cwd: string;
  models: ModelControl;
  /** Where the command's output goes (kept for the user to read). */
  logFile: string;
  timeoutMs?: number;
  pollMs?: number;
}

/** The last line the start command printed: only the log's last 4 KB are read, however much it printed. */
const lastLine = (file: string): string => {
  try {
    const f = openProjectFile(file, { what: 'log' });
    try {
      const from = Math.max(0, f.stat.size - 4096);
      const lines = readRange(f.fd, from, f.stat.size - from)
        .toString('utf8')
        .trim()
        .split('\n');
      return (lines.at(-1) ?? '').trim().slice(0, 300);
    } finally {
      closeProjectFile(f);
    }
  } catch {
    return '';
  }
};

/** Starts the local model servers and waits until one is listed; never throws. */
export async function startLocalModels(o: StartLocalModelsOptions): Promise<LocalModelsStart> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const pollMs = o.pollMs ?? 500;
  const before = new Set((await o.models.refreshModels().catch(() => [])).map((m) => m.pid));
  ensurePrivateDir(path.dirname(o.logFile));
  const fd = fs.openSync(o.logFile, 'w', 0o600);
  if (process.platform !== 'win32') fs.fchmodSync(fd, 0o600); // an older, more open log keeps its mode on 'w'
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const child = spawn(o.command, {
    shell: true,
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: o.cwd,
    windowsHide: true,
  });
  fs.closeSync(fd);
  child.on('error', (err) => (spawnError = err));
  child.on('exit', (code, signal) => (exit = { code, signal }));
  child.unref();
  const base = { command: o.command, pid: child.pid };
  const stopOurs = () => {
    if (exit || !child.pid) return;
    try {
      process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };

  const deadline = Date.now() + timeoutMs;
  let listed: ModelProcess[] = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    if (spawnError)
      return { ...base, ok: false, reason: `could not run \`${o.command}\`: ${spawnError.message}` };
    const fresh = (await o.models.refreshModels().catch(() => [])).filter((m) => !before.has(m.pid));
    // Our command failing is a failure even if some other model server appeared meanwhile (not ours to claim).
    const failed = exit && (exit.code !== 0 || exit.signal);
    if (failed) {
      const why = exit!.signal ? `was ended by ${exit!.signal}` : `exited with code ${exit!.code}`;
      const hint = exit!.code === 127 ? ' (command not found)' : '';
      const out = lastLine(o.logFile);
      return { ...base, ok: false, reason: `\`${o.command}\` ${why}${hint}${out ? `: ${out}` : ''}` };
    }
    if (fresh.length) {
      listed = fresh;
      for (const m of fresh) {
        const check = await probeModelServer(m, Math.min(1000, Math.max(100, deadline - Date.now())));
        // "up after", not "started": a server that came up meanwhile may be another's (a service manager's, a
        // second terminal's); it answers, which is what the switch needs, but it is not claimed as ours
        if (check)
          return {
            ...base,
            ok: true,
            reason: `${m.title} is up (pid ${m.pid}) since the start command ran, verified: ${check}`,
          };
      }
    }
    if (Date.now() >= deadline && listed.length) {
      // Running but not answering: left running (it may still be loading), said as not verified.
      const m = listed[0]!;
      return {
        ...base,
        ok: false,
        reason: `${m.title} (pid ${m.pid}) started but did not answer on ${triedText(m)} within ${formatDurationCompact(timeoutMs)}; output in ${o.logFile}`,
      };
    }
    if (Date.now() >= deadline) {
      stopOurs();
      return {
        ...base,
        ok: false,
        reason: `no local model server was listed within ${formatDurationCompact(timeoutMs)} after \`${o.command}\`; output in ${o.logFile}`,
      };
    }
  }
}
