/**
 * CloudWatch Logs error watch: FilterLogEvents per log group since the last seen event, following nextToken,
 * with a persisted cursor (timestamp plus the ids already seen near it) so polls and restarts neither miss nor
 * repeat an event. Queries overlap the cursor a little to catch late-ingested events; ids dedupe the overlap.
 */
import fs from 'node:fs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
/** The SDK loads on first use, not at start-up: `offload run` of plain steps never pays for it. */
const logsSdk = (): typeof import('@aws-sdk/client-cloudwatch-logs') =>
  require('@aws-sdk/client-cloudwatch-logs');

import type { LogGroupConfig } from '../notify/config';
import { PRIVATE_FILE, writeFileAtomic } from '../platform/atomic-file';

/** One new matching event. */
export interface LogErrorEvent {
  group: string;
  eventId: string;
  timestamp: number;
  message: string;
  stream?: string;
}

interface GroupCursor {
  /** Newest event timestamp seen (ms). */
  ts: number;
  /** Ids of events seen with timestamp >= ts - overlap (bounded). */
  seen: [string, number][];
}

export interface LogCursorOptions {
  client: CloudWatchLogsClient;
  groups: LogGroupConfig[];
  /** File that keeps the cursors across restarts (in the project's data folder). */
  stateFile: string;
  now?: () => number;
  /** How far back each query reaches before the cursor, for late-ingested events (default 2 min). */
  overlapMs?: number;
  /** Pages read per group per poll at most (default 20); the rest is read next poll, nothing is skipped. */
  maxPages?: number;
}

const MAX_SEEN = 5000;

/** Polls log groups for new matching events; see the module comment for the guarantees. */
export class LogErrorWatch {
  private cursors: Record<string, GroupCursor>;
  private readonly now: () => number;
  private readonly overlapMs: number;
  private readonly maxPages: number;

  constructor(private readonly o: LogCursorOptions) {
    this.now = o.now ?? Date.now;
    this.overlapMs = o.overlapMs ?? 120_000;
    this.maxPages = o.maxPages ?? 20;
    this.cursors = this.load();
  }

  private load(): Record<string, GroupCursor> {
    try {
      const raw = JSON.parse(fs.readFileSync(this.o.stateFile, 'utf8')) as {
        groups?: Record<string, GroupCursor>;
      };
      return raw.groups ?? {};
    } catch {
      return {};
    }
  }

  private save(): void {
    writeFileAtomic(this.o.stateFile, JSON.stringify({ version: 1, groups: this.cursors }), PRIVATE_FILE);
  }

  /** Reads one group's new events; throws the SDK error (the caller explains it) and keeps the cursor then. */
  async pollGroup(g: LogGroupConfig, signal?: AbortSignal): Promise<LogErrorEvent[]> {
    const cur: GroupCursor = this.cursors[g.name] ?? { ts: this.now() - this.overlapMs, seen: [] };
    const seen = new Set(cur.seen.map(([id]) => id));
    const startTime = Math.max(0, cur.ts - this.overlapMs);
    const fresh: LogErrorEvent[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const res = await this.o.client.send(
        new (logsSdk().FilterLogEventsCommand)({
          logGroupName: g.name,
          startTime,
          filterPattern: g.filterPattern,
          nextToken,
        }),
        { abortSignal: signal },
      );
      for (const e of res.events ?? []) {
        if (!e.eventId || e.timestamp === undefined || seen.has(e.eventId)) continue;
        seen.add(e.eventId);
        fresh.push({
          group: g.name,
          eventId: e.eventId,
          timestamp: e.timestamp,
          message: e.message ?? '',
          stream: e.logStreamName,
        });
      }
      nextToken = res.nextToken;
      pages++;
    } while (nextToken && pages < this.maxPages);
    fresh.sort((a, b) => a.timestamp - b.timestamp || a.eventId.localeCompare(b.eventId));
    const ts = Math.max(cur.ts, ...fresh.map((e) => e.timestamp));
    const keepFrom = ts - this.overlapMs;
    const all: [string, number][] = [
      ...cur.seen,
      ...fresh.map((e) => [e.eventId, e.timestamp] as [string, number]),
    ];
    // Paged out before the end: keep the cursor where the data read so far ends, the rest comes next poll.
    this.cursors[g.name] = {
      ts: nextToken ? Math.max(cur.ts, fresh.length ? fresh[fresh.length - 1]!.timestamp : cur.ts) : ts,
      seen: all.filter(([, t]) => t >= keepFrom).slice(-MAX_SEEN),
    };
    this.save();
    return fresh;
  }

  /** Forgets cursors of groups no longer configured (keeps the file small). */
  prune(): void {
    const names = new Set(this.o.groups.map((g) => g.name));
    for (const k of Object.keys(this.cursors)) if (!names.has(k)) delete this.cursors[k];
  }
}
