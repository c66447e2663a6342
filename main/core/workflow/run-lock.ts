/**
 * One run per project at a time, across processes (the tray, a terminal, CI): a lock file in the project's
 * history folder, created exclusively, naming its holder (pid and process start time, run id, since). A second
 * run is refused naming the holder, or waits for it; a holder that died (pid gone or reused) loses the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { explainWriteError } from '../platform/atomic-file';
import { makeDirs } from '../platform/make-dirs';
import { isAlive, processStartTime } from '../platform/process-tree';

export interface RunLockHolder {
  pid: number;
  /** The holder's process start time (tells it from a later process with the same pid). */
  start?: number;
  runId: string;
  workflow: string;
  since: string;
}

/** Thrown when another live run holds the project. */
export class ProjectBusy extends Error {
  override name = 'ProjectBusy';
  constructor(readonly holder: RunLockHolder) {
    super(
      `another run is active on this project: ${holder.workflow} (run ${holder.runId}, pid ${holder.pid}) since ${holder.since}; wait for it (--wait) or cancel it`,
    );
  }
}

const FILE = 'run.lock';

function readHolder(file: string): RunLockHolder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as RunLockHolder;
    return Number.isSafeInteger(h?.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

function fresh(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs < 2000;
  } catch {
    return false;
  }
}

function holderAlive(h: RunLockHolder): boolean {
  if (!isAlive(h.pid)) return false;
  const start = processStartTime(h.pid);
  return h.start === undefined || start === undefined || start === h.start;
}

/**
 * Takes the project's run lock for `runId`, or throws ProjectBusy naming the live holder. With `waitMs`, waits
 * up to that long (polling) for the holder to finish first. Returns the release function.
 */
export async function acquireRunLock(
  projectDir: string,
  who: { runId: string; workflow: string },
  o: { waitMs?: number; signal?: AbortSignal } = {},
): Promise<() => void> {
  try {
    makeDirs(projectDir, 0o700);
  } catch (err) {
    throw explainWriteError(err, 'the run lock', projectDir);
  }
  const file = path.join(projectDir, FILE);
  const me: RunLockHolder = {
    pid: process.pid,
    start: processStartTime(process.pid),
    runId: who.runId,
    workflow: who.workflow,
    since: new Date().toISOString(),
  };
  const deadline = Date.now() + (o.waitMs ?? 0);
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      return () => {
        // Only our own lock: a takeover by someone else after we were presumed dead is theirs.
        if (readHolder(file)?.runId === me.runId) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw explainWriteError(err, 'the run lock', projectDir);
    }
    const holder = readHolder(file);
    if (!holder && fresh(file)) {
      // Being written by its holder right now.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (!holder || !holderAlive(holder)) {
      // A dead holder (killed, rebooted) or a torn file: take the lock over.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline || o.signal?.aborted) throw new ProjectBusy(holder);
    await new Promise((r) => setTimeout(r, 250));
  }
}
