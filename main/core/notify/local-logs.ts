/**
 * The local side of phase 6 ("monitor local dev system logs"): log files of the dev system, given by globs,
 * followed by identity and position (file-follow.ts) — new lines only, each once, through rotation by rename,
 * truncation and copytruncate — or commands whose output is read (e.g.
 * `docker compose logs -f`; a project's command runs only once the project is trusted), matched by an error
 * pattern. Errors are coalesced per source within a window and raised as notices like CloudWatch's.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FileFollow } from './file-follow';
import { isWithin, realpathOrSelf } from '../boundary/project-paths';
import { visibleText } from '../boundary/text';
import { killTree, spawnInGroup } from '../platform/process-tree';
import { compileUserRegex, type UserRegex } from '../units/regex';
import type { Notifier } from './notifier';

export interface LocalLogConfig {
  /** A file path or a glob (`*` and `?` in the last part, relative to the project). */
  path?: string;
  /** Or a command whose output is read (run in the project folder; restarted after 30 s if it ends). */
  command?: string;
  /** Error pattern (a regular expression; default: ERROR, Error, Exception, Traceback, FATAL, panic). */
  pattern?: string;
  /** Errors within this window become one notice (default: the watch's windowMs). */
  windowMs?: number;
}

export interface LocalLogWatchOptions {
  dir: string;
  logs: readonly LocalLogConfig[];
  notifier: Notifier;
  /** Whether the user trusts the project: paths it names outside its folder are followed only then. */
  trusted?: boolean;
  /** Errors within this window become one notice per file (default 60 s). */
  windowMs?: number;
  now?: () => number;
}

/** Notices from local logs carry this prefix in their target item (they say nothing about AWS). */
export const LOCAL_ITEM = 'local:';

const DEFAULT_PATTERN = '\\b(ERROR|Error|Exception|Traceback|FATAL|panic)\\b';
/** At most this much of a file is read per poll (a log that exploded is not read into memory at once). */
const MAX_READ = 1 << 20;
/** A longer line is cut here (a log that never writes a newline cannot grow memory). */
const MAX_LINE = 64 * 1024;

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );

/** At most this many files per glob are followed (one descriptor each); the rest are named once. */
export const MAX_FILES_PER_GLOB = 64;

/**
 * Files matching a path or a glob whose wildcards are in its last part, and those refused with why. A path
 * written inside the project must stay inside it once links are resolved (a symlink in a repository is not
 * a way to read the user's other files); one written outside it (`~/.ollama/logs/server.log`, `/var/log/…`)
 * is followed only once the user trusted the project. The newest MAX_FILES_PER_GLOB matches are followed.
 */
export function expandLogPath(
  dir: string,
  p: string,
  trusted: boolean,
): { files: string[]; refused: { file: string; why: string }[] } {
  const abs = path.resolve(dir, p);
  const base = path.basename(abs);
  let matches: string[];
  if (!/[*?]/.test(base)) matches = fs.existsSync(abs) ? [abs] : [];
  else {
    const re = globToRegExp(base);
    try {
      matches = fs
        .readdirSync(path.dirname(abs))
        .filter((n) => re.test(n))
        .map((n) => path.join(path.dirname(abs), n));
    } catch {
      matches = [];
    }
  }
  const root = realpathOrSelf(path.resolve(dir));
  const written = isWithin(path.resolve(dir), abs) || isWithin(root, abs);
  const refused: { file: string; why: string }[] = [];
  let files = matches.filter((f) => {
    if (!written) {
      if (trusted) return true;
      refused.push({ file: f, why: `${p} is outside the project: followed once you trust the project` });
      return false;
    }
    const real = realpathOrSelf(f);
    if (isWithin(root, real)) return true;
    refused.push({
      file: f,
      why: `${path.relative(dir, f)} resolves to ${real}, outside the project folder; name that path in offload.yml if you mean it`,
    });
    return false;
  });
  if (files.length > MAX_FILES_PER_GLOB) {
    const mtime = (f: string) => {
      try {
        return fs.statSync(f).mtimeMs;
      } catch {
        return 0;
      }
    };
    const byAge = files.map((f) => ({ f, t: mtime(f) })).sort((a, b) => b.t - a.t);
    files = byAge.slice(0, MAX_FILES_PER_GLOB).map((x) => x.f);
    refused.push({
      file: abs,
      why: `${p} matches ${byAge.length} files: only the ${MAX_FILES_PER_GLOB} newest are followed (narrow the glob)`,
    });
  }
  return { files, refused };
}

/** Follows the configured local log files; `poll()` reads what is new and raises notices. */
export class LocalLogWatch {
  private readonly follows: FileFollow[];
  private readonly pending = new Map<string, { count: number; first: string; windowMs: number }>();
  private readonly lastNotice = new Map<string, number>();
  private readonly patterns: UserRegex[];
  private readonly commands = new Map<
    number,
    { child?: ChildProcess; lines: string[]; partial: string; restartAt: number }
  >();

  constructor(private readonly o: LocalLogWatchOptions) {
    // The user's patterns run on the linear-time engine (validated at `offload validate`).
    this.patterns = o.logs.map((l) => compileUserRegex(l.pattern ?? DEFAULT_PATTERN));
    this.follows = o.logs.map(
      () =>
        new FileFollow({
          maxLine: MAX_LINE,
          maxRead: MAX_READ,
          onRefused: (file, why) => this.refuse(file, why),
        }),
    );
  }

  /** Reads new lines of every file (the first poll only marks where the files end: old lines are history). */
  poll(): void {
    const now = (this.o.now ?? Date.now)();
    const match = (source: string, lines: string[], i: number) => {
      const windowMs = this.o.logs[i]!.windowMs ?? this.o.windowMs ?? 60_000;
      for (const line of lines) {
        if (!this.patterns[i]!.test(line)) continue;
        // What a log line holds is shown, never obeyed: a carriage return or escape cannot forge another line.
        const first = visibleText(line.trim().slice(0, 200), { newlines: false });
        const p = this.pending.get(source) ?? { count: 0, first, windowMs };
        p.count++;
        this.pending.set(source, p);
      }
    };
    this.o.logs.forEach((log, i) => {
      if (log.command) match(log.command, this.readCommand(i, log.command, now), i);
      else if (log.path) {
        const { files, refused } = expandLogPath(this.o.dir, log.path, this.o.trusted ?? false);
        for (const r of refused) this.refuse(r.file, r.why);
        for (const got of this.follows[i]!.poll(files)) match(got.source, got.lines, i);
      }
    });
    for (const [file, p] of this.pending) {
      const last = this.lastNotice.get(file);
      if (last !== undefined && now - last < p.windowMs) continue;
      const rel = path.isAbsolute(file) ? path.relative(this.o.dir, file) || file : `\`${file}\``;
      this.o.notifier.notify({
        level: 'error',
        title: p.count === 1 ? `New error in ${rel}` : `${p.count} new errors in ${rel}`,
        body: `${p.count} new error${p.count === 1 ? '' : 's'} in the local log ${rel} — first: ${p.first}`,
        target: { view: 'errors', item: `${LOCAL_ITEM}${rel}` },
        source: 'local-logs',
      });
      this.lastNotice.set(file, now);
      this.pending.delete(file);
    }
  }

  /** Lines a command printed since the last poll; (re)starts it when it is not running. */
  private readCommand(i: number, command: string, now: number): string[] {
    let c = this.commands.get(i);
    if (!c) {
      c = { lines: [], partial: '', restartAt: 0 };
      this.commands.set(i, c);
    }
    if (!c.child && now >= c.restartAt) {
      const entry = c;
      const child = spawnInGroup(command, [], {
        cwd: this.o.dir,
        shell: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onData = (b: Buffer) => {
        const parts = (entry.partial + b.toString('utf8')).split('\n');
        entry.partial = parts.pop() ?? '';
        entry.lines.push(...parts.slice(-1000));
        if (entry.lines.length > 1000) entry.lines.splice(0, entry.lines.length - 1000);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('error', () => undefined);
      child.on('exit', () => {
        entry.child = undefined;
        entry.restartAt = (this.o.now ?? Date.now)() + 30_000;
      });
      entry.child = child;
    }
    return c.lines.splice(0);
  }

  private readonly refused = new Set<string>();

  /** Says once per file that it is not followed (a FIFO, a device, outside the project…). */
  private refuse(file: string, why: string): void {
    if (this.refused.has(file)) return;
    this.refused.add(file);
    const rel = path.relative(this.o.dir, file) || file;
    this.o.notifier.notify({
      level: 'warning',
      title: `Not following ${rel}`,
      body: `notify.local-logs: ${why}`,
      target: { view: 'errors', item: `${LOCAL_ITEM}${rel}` },
      source: 'local-logs',
    });
  }

  close(): void {
    for (const f of this.follows) f.close();
    for (const c of this.commands.values()) if (c.child?.pid) void killTree(c.child.pid, { graceMs: 1000 });
    this.commands.clear();
  }
}
