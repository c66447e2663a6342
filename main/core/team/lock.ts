/**
 * One deploy at a time per environment, across the team: a lock object in the team's bucket, created with a
 * conditional write (`If-None-Match: *`) before aws-prepare/aws-deploy and deleted after only while it is
 * still ours (`If-Match` with its version tag), as Terraform's S3 backend does with its lock file. A lock
 * past its lease is taken over with a message naming its holder; `offload unlock` removes it whatever it is.
 */
import { shownStrings, type TeamActor } from './evidence';
import type { TeamStore } from './store';

/** Who holds an environment's deploy lock, and until when it holds without renewal. */
export interface TeamLockHolder extends TeamActor {
  version: 1;
  kind: 'offload-lock';
  project: string;
  environment: string;
  runId: string;
  workflow: string;
  since: string;
  leaseMs: number;
}

/** Thrown when a teammate (or another run) holds the environment; its message names them. */
export class TeamLockHeld extends Error {
  override name = 'TeamLockHeld';
  constructor(readonly holder: TeamLockHolder) {
    super(describeHolder(holder));
  }
}

/** "dev is locked by ana@x at ana-laptop since … (run …, lease until …)". */
export function describeHolder(h: TeamLockHolder): string {
  const until = new Date(Date.parse(h.since) + h.leaseMs).toISOString();
  return `${h.environment} is locked by ${h.who} at ${h.where} since ${h.since} (${h.workflow}, run ${h.runId}; lease until ${until}): wait for it (--wait) or, if that run is gone, \`offload unlock\``;
}

/** The holder a lock object names, or undefined where it is not a lock of ours (then it is taken over). */
export function parseHolder(text: string): TeamLockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<TeamLockHolder>;
    const ok =
      h?.version === 1 &&
      h.kind === 'offload-lock' &&
      typeof h.runId === 'string' &&
      typeof h.since === 'string' &&
      Number.isFinite(Date.parse(h.since)) &&
      typeof h.leaseMs === 'number' &&
      typeof h.who === 'string' &&
      typeof h.where === 'string';
    return ok ? shownStrings(h as TeamLockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `h`'s lease has run out at `now` (pure). */
export const leaseOver = (h: TeamLockHolder, now: number): boolean => now > Date.parse(h.since) + h.leaseMs;

/** How taking the lock goes: waiting, messages, the clock. */
export interface LockOptions {
  /** Wait this long for the holder to release (default 0: refuse at once). */
  waitMs?: number;
  signal?: AbortSignal;
  /** Told once per takeover or wait ("taking over a stale lock…"). */
  say?: (line: string) => void;
  now?: () => number;
  pollMs?: number;
}

/**
 * Takes the lock at `key` for `me`, or throws TeamLockHeld naming the live holder (after waiting `waitMs`).
 * Returns the release, which deletes the lock only while it is still this one.
 */
export async function acquireTeamLock(
  store: TeamStore,
  key: string,
  me: TeamLockHolder,
  o: LockOptions = {},
): Promise<() => Promise<void>> {
  const now = o.now ?? Date.now;
  const deadline = now() + (o.waitMs ?? 0);
  let told = false;
  for (;;) {
    const put = await store.putOnce(key, JSON.stringify(me));
    if (put) {
      // moto and S3 answer the version tag on the write; where absent, read it back (still ours: just written).
      const etag = put.etag ?? (await store.get(key))?.etag;
      return async () => {
        await store.deleteIf(key, etag);
      };
    }
    const there = await store.get(key);
    if (!there) continue; // released between our write and our read
    const holder = parseHolder(there.text);
    if (!holder || leaseOver(holder, now())) {
      o.say?.(
        holder
          ? `taking over a stale deploy lock: ${holder.who} at ${holder.where} held ${holder.environment} since ${holder.since} (run ${holder.runId}) and its lease of ${Math.round(holder.leaseMs / 1000)} s is over`
          : `taking over a deploy lock at ${key} that is not an Offload lock (malformed)`,
      );
      await store.deleteIf(key, there.etag);
      continue;
    }
    if (now() >= deadline || o.signal?.aborted) throw new TeamLockHeld(holder);
    if (!told) o.say?.(`waiting: ${describeHolder(holder)}`);
    told = true;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
}
