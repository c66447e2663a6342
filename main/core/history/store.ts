/**
 * Run history on disk, per project: `<dataDir>/projects/<slug>-<hash>/runs/<runId>/events.jsonl` (append-only,
 * written synchronously line by line so a kill -9 loses at most a torn last line) and `steps/<phase>--<step>.log`.
 * Also the project's journal (journal.jsonl) and small state files (gate records) written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PhaseId, RunEvent, RunSnapshot, RunSummary } from '../vocabulary';
import { forEachLine } from '../boundary/files';
import {
  PRIVATE_FILE,
  appendPrivate,
  ensurePrivateDir,
  explainWriteError,
  openPrivateAppend,
  openPrivateRead,
  readPrivateFile,
  writeFileAtomic,
} from '../platform/atomic-file';
import { isAlive, processStartTime } from '../platform/process-tree';
import { applyEvent, isRunEvent, markDamaged, markInterrupted, summarize } from './replay';
import { isRunId } from './run-id';
import {
  parseJournal,
  type JournalEntry,
  type ProjectEventData,
  type ProjectEventKind,
} from './project-events';
import { sha256Hex } from '../platform/digest';

/** Writes one run: its events and its step logs. */
export interface RunWriter {
  readonly runId: string;
  readonly dir: string;
  /** Appends one event as one line, synchronously. */
  append(event: RunEvent): void;
  /** A step's log file: its path, and how to open it for appending (private; several attempts share it). */
  stepLog(phase: PhaseId, step: string): StepLogFile;
  /** Closes the events file. Step logs are closed by whoever opened them. */
  close(): void;
}

/** A step's log: where it is, and a synchronous open for appending (throws as fs.openSync does). */
export interface StepLogFile {
  readonly file: string;
  open(): number;
}

export interface HistoryStoreOptions {
  dataDir: string;
  project: { name: string; dir: string };
  /** Keep at most this many runs (default 50). */
  keep?: number;
  /** Keep the runs' total size under this many bytes (default 200 MB). */
  maxBytes?: number;
}

/** Runs this process is writing now: they read as running even though our pid is obviously alive. */
const writing = new Set<string>();

/**
 * The longest history line read back. Events are small (a few KB with a run's phases); a longer line is damage
 * (or a hostile write) and is skipped as unreadable, never decoded: a 150 MB line must not take 360 MB.
 */
export const MAX_EVENT_LINE_BYTES = 4 * 1024 * 1024;

/** A run on disk that could not be read back, and why (the CLI says so instead of leaving it out silently). */
export interface UnreadableRun {
  runId: string;
  why: string;
}

const TAIL_BYTES = 8192;
const TAIL_LINES = 20;

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'project'
  );
}

/**
 * Parses JSON lines one at a time (memory: one line, at most MAX_EVENT_LINE_BYTES), skipping and counting any
 * that are torn, too long, not JSON or not of the expected shape (`null`, a number, an event missing its fields
 * …): a crash leaves at most the last one so; anything else is damage. `keepLast` keeps only the last items.
 */
function readJsonLines<T>(
  file: string,
  valid: (v: unknown) => v is T,
  keepLast = Infinity,
): { items: T[]; skipped: number; lastSkipped: boolean; error?: string } {
  const items: T[] = [];
  let skipped = 0;
  let lastSkipped = false;
  let fd: number;
  try {
    fd = openPrivateRead(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      items,
      skipped,
      lastSkipped,
      ...(code === 'ENOENT' ? {} : { error: code ?? (err as Error).message }),
    };
  }
  try {
    forEachLine(fd, MAX_EVENT_LINE_BYTES, (line) => {
      if (line !== undefined && !line.trim()) return;
      let v: unknown;
      try {
        v = line === undefined ? undefined : JSON.parse(line);
      } catch {
        v = undefined;
      }
      lastSkipped = !valid(v);
      if (lastSkipped) skipped++;
      else {
        items.push(v as T);
        if (items.length > keepLast * 2) items.splice(0, items.length - keepLast);
      }
    });
  } catch (err) {
    return {
      items,
      skipped,
      lastSkipped,
      error: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
    };
  } finally {
    fs.closeSync(fd);
  }
  return { items: items.length > keepLast ? items.slice(-keepLast) : items, skipped, lastSkipped };
}

const isJournalEntry = (v: unknown): v is { at: string; kind: string; data: unknown } =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as { at?: unknown }).at === 'string' &&
  typeof (v as { kind?: unknown }).kind === 'string';

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    try {
      total += entry.isDirectory() ? dirSize(p) : fs.statSync(p).size;
    } catch {
      /* removed meanwhile */
    }
  }
  return total;
}

/**
 * Whether the process now at `pid` is the one that started at `start` (undefined: not recorded by an older
 * version, or a platform without start times: the pid alone decides).
 */
function sameProcess(pid: number, start: number | undefined): boolean {
  if (start === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === start;
}

/** The run history and journal of one project. */
export class HistoryStore {
  /** This project's folder in the data dir. */
  readonly projectDir: string;
  readonly runsDir: string;
  private readonly keep: number;
  private readonly maxBytes: number;

  constructor(opts: HistoryStoreOptions) {
    const abs = path.resolve(opts.project.dir);
    const hash = sha256Hex(abs).slice(0, 10);
    this.projectDir = path.join(opts.dataDir, 'projects', `${slug(opts.project.name)}-${hash}`);
    this.runsDir = path.join(this.projectDir, 'runs');
    this.keep = Math.max(1, opts.keep ?? 50);
    this.maxBytes = opts.maxBytes ?? 200 * 1024 * 1024;
  }

  private runDir(runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id "${runId}"`);
    return path.join(this.runsDir, runId);
  }

  /** Starts writing a run; the caller appends run-started first. */
  startRun(runId: string): RunWriter {
    const dir = this.runDir(runId);
    let fd: number;
    try {
      // Private: run logs hold whatever the steps printed (0700 folders, 0600 files).
      ensurePrivateDir(this.projectDir);
      ensurePrivateDir(this.runsDir);
      ensurePrivateDir(dir);
      ensurePrivateDir(path.join(dir, 'steps'));
      fd = openPrivateAppend(path.join(dir, 'events.jsonl'));
    } catch (err) {
      throw explainWriteError(err, 'the run history', this.projectDir);
    }
    // The writer's start time, recorded with its pid: a later process with the same pid is not the writer.
    const ownStart = processStartTime(process.pid);
    let open = true;
    writing.add(dir);
    return {
      runId,
      dir,
      append: (event) => {
        if (!open) throw new Error(`run ${runId}: history writer is closed`);
        const e =
          event.type === 'run-started' && event.pid === process.pid && ownStart !== undefined
            ? { ...event, pidStart: ownStart }
            : event;
        fs.writeSync(fd, JSON.stringify(e) + '\n');
      },
      stepLog: (phase, step) => {
        const file = this.stepLogPath(runId, phase, step);
        return { file, open: () => openPrivateAppend(file) };
      },
      close: () => {
        if (!open) return;
        open = false;
        writing.delete(dir);
        fs.closeSync(fd);
      },
    };
  }

  /** Where a step's log is (it may not exist: the step never ran). */
  stepLogPath(runId: string, phase: PhaseId, step: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(step) || !/^[a-z-]+$/.test(phase))
      throw new Error(`invalid step "${phase}/${step}"`);
    return path.join(this.runDir(runId), 'steps', `${phase}--${step}.log`);
  }

  /** Run ids on disk, newest first. */
  private runIds(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      return [];
    }
    return names.filter(isRunId).sort().reverse();
  }

  /** Runs, newest first (each rebuilt from its events; interrupted ones read as failed). */
  listRuns(limit = 50): RunSummary[] {
    return this.scanRuns(limit).runs;
  }

  /**
   * Runs, newest first, and the run folders met on the way that could not be read back (no readable event, an
   * event log that is not one): those are reported, not left out without a word.
   */
  scanRuns(limit = 50): { runs: RunSummary[]; unreadable: UnreadableRun[] } {
    const runs: RunSummary[] = [];
    const unreadable: UnreadableRun[] = [];
    for (const id of this.runIds()) {
      if (runs.length >= limit) break;
      const { snap, why } = this.loadRun(id, { tail: false });
      if (snap) runs.push(summarize(snap));
      else if (why) unreadable.push({ runId: id, why });
    }
    return { runs, unreadable };
  }

  /** The newest run that reads back (as readRun gives it), null where there is none. */
  latestRun(): RunSnapshot | null {
    for (const id of this.runIds()) {
      const { snap } = this.loadRun(id, {});
      if (snap) return snap;
    }
    return null;
  }

  /**
   * One run rebuilt from events.jsonl (a torn last line is skipped). Without run-finished it reads as running
   * only while its writer (pid in run-started) is alive; otherwise as failed: interrupted.
   */
  readRun(runId: string, opts: { tail?: boolean } = {}): RunSnapshot | null {
    if (!isRunId(runId)) return null;
    return this.loadRun(runId, opts).snap;
  }

  private loadRun(runId: string, opts: { tail?: boolean }): { snap: RunSnapshot | null; why?: string } {
    const dir = path.join(this.runsDir, runId);
    const read = readJsonLines(path.join(dir, 'events.jsonl'), isRunEvent);
    const { items: events, skipped, lastSkipped } = read;
    let snap: RunSnapshot | null = null;
    let pid: number | undefined;
    let pidStart: number | undefined;
    for (const e of events) {
      if (e.type === 'run-started') {
        pid = e.pid;
        pidStart = e.pidStart;
      }
      snap = applyEvent(snap, e);
    }
    const last = events[events.length - 1];
    if (!snap || !last) {
      if (writing.has(dir)) return { snap: null }; // being started by this process right now
      const why = read.error
        ? `its event log cannot be read (${read.error})`
        : skipped > 0
          ? `none of its event log's ${skipped} line${skipped === 1 ? '' : 's'} could be read`
          : events.length > 0
            ? "its event log does not begin with the run's start"
            : 'its event log is missing or empty';
      return { snap: null, why };
    }
    if (snap.status === 'running') {
      const writerAlive =
        pid === process.pid && (pidStart === undefined || pidStart === processStartTime(pid))
          ? writing.has(dir)
          : pid !== undefined && pid > 0 && isAlive(pid) && sameProcess(pid, pidStart);
      if (!writerAlive) markInterrupted(snap, last);
    }
    // A torn last line is what a kill (or a write in progress) leaves before run-finished; any other unreadable
    // line is damage, and a run with damage never reads as passed.
    const finished = events.some((e) => e.type === 'run-finished');
    const damaged = skipped - (lastSkipped && !finished ? 1 : 0);
    if (damaged > 0) markDamaged(snap, damaged);
    if (opts.tail !== false) snap.tail = this.readTail(runId, snap);
    return { snap };
  }

  private readTail(runId: string, snap: RunSnapshot): string[] {
    let where = snap.current;
    if (!where) {
      outer: for (const p of [...snap.phases].reverse())
        for (const s of [...p.steps].reverse())
          if (s.status !== 'pending' && s.status !== 'blocked') {
            where = { phase: p.id, step: s.id };
            break outer;
          }
    }
    if (!where) return [];
    try {
      const fd = openPrivateRead(this.stepLogPath(runId, where.phase, where.step));
      try {
        const size = fs.fstatSync(fd).size;
        const len = Math.min(size, TAIL_BYTES);
        const buf = Buffer.alloc(len);
        fs.readSync(fd, buf, 0, len, size - len);
        const lines = buf.toString('utf8').split('\n');
        if (size > len) lines.shift(); // partial first line
        if (lines[lines.length - 1] === '') lines.pop();
        return lines.slice(-TAIL_LINES);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
  }

  /** Appends to the project journal (gate transitions, automatic actions with their evidence). */
  appendProjectEvent<K extends ProjectEventKind>(kind: K, data: ProjectEventData<K>): void {
    appendPrivate(
      path.join(this.projectDir, 'journal.jsonl'),
      JSON.stringify({ at: new Date().toISOString(), kind, data }) + '\n',
    );
  }

  /** The journal's entries as written, oldest first (the last `limit` of them). */
  readProjectEvents(limit = 200): { at: string; kind: string; data: unknown }[] {
    return readJsonLines(path.join(this.projectDir, 'journal.jsonl'), isJournalEntry, limit).items;
  }

  /** The journal's typed events, oldest first (of the last `limit` entries; unknown shapes dropped). */
  readJournal(limit = 200): JournalEntry[] {
    return parseJournal(this.readProjectEvents(limit));
  }

  /**
   * A small JSON state file of the project (e.g. the gate records), or undefined; also where someone else could
   * have written it (another user's, or writable by others): the rule acts on what it says.
   */
  readState<T>(name: string): T | undefined {
    try {
      const file = path.join(this.projectDir, `${name}.json`);
      return JSON.parse(readPrivateFile(file, undefined, { ownOnly: true }).toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Replaces a state file atomically; it survives run pruning. */
  writeState(name: string, value: unknown): void {
    writeFileAtomic(
      path.join(this.projectDir, `${name}.json`),
      JSON.stringify(value, null, 2) + '\n',
      PRIVATE_FILE,
    );
  }

  /** Deletes the oldest runs beyond `keep` or beyond `maxBytes` in total; never a running one. */
  prune(): void {
    const ids = this.runIds(); // newest first
    let total = 0;
    let kept = 0;
    let full = false;
    for (const id of ids) {
      const dir = path.join(this.runsDir, id);
      let size: number;
      try {
        size = dirSize(dir);
      } catch {
        continue;
      }
      // The newest run is always kept, even if it alone is over the size cap; once over, all older go. Whether
      // a run is still running (its events read back) is asked only of one that would go.
      const over = kept > 0 && (full || kept >= this.keep || total + size > this.maxBytes);
      if (over && this.readRun(id, { tail: false })?.status !== 'running') {
        full = true;
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      total += size;
      kept++;
    }
  }
}

declare module '../vocabulary/step-kind' {
  interface StepServices {
    /** The project's run history (the one the engine writes to). */
    history?: HistoryStore;
  }
}
