/**
 * The live gate: while a watch runs continuously (tray, `offload watch`) it publishes its gate state in the
 * project's data folder, so a one-shot `offload aws status` or `offload status` in another process shows
 * the live state instead of asking AWS again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE, writeFileAtomic } from '../platform/atomic-file';
import { isAlive } from '../platform/process-tree';
import { projectStateDir } from '../platform/project-state-dir';
import type { AwsSnapshot } from '../vocabulary';
import { staleAfterMs, staleAsUnknown } from './gate';

const LIVE_FILE = 'gate-live.json';

/** A published gate state with the watch that published it. */
export type LiveGate = AwsSnapshot & { live: { pid: number; since: string } };

/**
 * The gate state a continuously running watch (in this or another process) published in `stateDir`, if it
 * is alive and recent; undefined otherwise. Older than about two intervals, its gate reads unknown.
 */
export function readLiveGateFile(stateDir: string, now = Date.now()): LiveGate | undefined {
  try {
    const l = JSON.parse(fs.readFileSync(path.join(stateDir, LIVE_FILE), 'utf8')) as {
      pid: number;
      at: number;
      since: string;
      intervalMs: number;
      /** The pause the watch planned before its next poll (longer than the interval while backing off). */
      nextPollMs?: number;
      snapshot: AwsSnapshot;
    };
    // A planned longer pause (AWS throttled or unreachable, the gate not ready) is not a dead or hung watch.
    const planned = Math.max(0, (l.nextPollMs ?? l.intervalMs) - l.intervalMs);
    if (now - l.at > 3 * l.intervalMs + 5_000 + planned) return undefined;
    if (!isAlive(l.pid)) return undefined;
    // Published but old (the watch's poll hangs): what it says is no longer evidence.
    const snap = staleAsUnknown(l.snapshot, {
      now,
      maxAgeMs: staleAfterMs(l.intervalMs) + planned,
      startedAt: Date.parse(l.since),
    });
    return { ...snap, live: { pid: l.pid, since: l.since } };
  } catch {
    return undefined;
  }
}

/** Publishes this process's gate state after each poll and removes it when the watch stops. */
export class LiveGatePublisher {
  constructor(
    private readonly o: {
      stateDir: string;
      /** When the watch started (ISO). */
      since: string;
      intervalMs: number;
      now: () => number;
      log: (line: string) => void;
    },
  ) {}

  /** `nextPollMs`: the pause before the watch's next poll (default the interval). */
  publish(snapshot: AwsSnapshot, nextPollMs = this.o.intervalMs): void {
    try {
      writeFileAtomic(
        path.join(this.o.stateDir, LIVE_FILE),
        JSON.stringify({
          pid: process.pid,
          at: this.o.now(),
          since: this.o.since,
          intervalMs: this.o.intervalMs,
          nextPollMs,
          snapshot,
        }),
        PRIVATE_FILE,
      );
    } catch (err) {
      this.o.log(`offload: could not publish the gate state: ${(err as Error).message}`);
    }
  }

  /** Removes the published state (the watch stopped): a later reader asks AWS itself. */
  remove(): void {
    fs.rmSync(path.join(this.o.stateDir, LIVE_FILE), { force: true });
  }
}

/**
 * The gate state a continuously running watch (in this or another process) published, if it is alive and
 * recent; undefined otherwise.
 */
export function readLiveGate(
  project: { name: string; dir: string },
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): LiveGate | undefined {
  return readLiveGateFile(projectStateDir(project, dataDir, env), now);
}
