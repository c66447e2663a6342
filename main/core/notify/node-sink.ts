/**
 * Desktop delivery through node-notifier, made safe: node-notifier has no timeout of its own (a frozen
 * notification daemon held one call for 75 s) and every call spawns a child process. Here each call is
 * bounded by a timeout, at most `maxInFlight` calls are outstanding, at most `maxQueued` wait (older waiting
 * ones are coalesced into a summary), and a failing desktop is reported once, not per notice.
 */
import { formatDuration } from '../format';
import type { Notice } from '../vocabulary';
import type { NotifySink } from './notifier';

/** The part of node-notifier used here (injectable so a different backend can be plugged in). */
export interface DesktopNotifier {
  notify(
    opts: { title: string; message: string; wait?: boolean; timeout?: number },
    cb: (err: unknown) => void,
  ): unknown;
}

export interface NodeNotifierSinkOptions {
  /** Per-call bound (default 10 s). A call still running then counts as failed but keeps its slot until it ends. */
  timeoutMs?: number;
  /** Outstanding desktop calls at most (default 2). */
  maxInFlight?: number;
  /** Notices waiting at most (default 5); beyond that the oldest waiting ones are coalesced. */
  maxQueued?: number;
  /** Where the one-time failure line goes (default stderr). Never receives notice bodies. */
  log?: (line: string) => void;
  /** Backend (default: node-notifier loaded lazily). */
  backend?: DesktopNotifier;
  appName?: string;
}

/** Counters for status displays and tests. */
export interface SinkStats {
  delivered: number;
  failed: number;
  timedOut: number;
  coalesced: number;
  inFlight: number;
  queued: number;
}

/** A NotifySink over node-notifier with a timeout per call and a bounded queue. */
export function nodeNotifierSink(opts: NodeNotifierSinkOptions = {}): NotifySink & { stats(): SinkStats } {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
  const maxQueued = Math.max(1, opts.maxQueued ?? 5);
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let backend = opts.backend;
  const queue: { title: string; message: string; merged: number }[] = [];
  const stats: SinkStats = { delivered: 0, failed: 0, timedOut: 0, coalesced: 0, inFlight: 0, queued: 0 };
  let reported = false;

  const reportOnce = (why: string) => {
    if (reported) return;
    reported = true;
    log(
      `offload: desktop notifications are not working (${why}); notices still reach the window and the tray; errors and the rule's actions are kept by \`offload journal\`. ` +
        'This is reported once.',
    );
  };

  const loadBackend = (): DesktopNotifier => {
    if (!backend) backend = require('node-notifier') as DesktopNotifier;
    return backend;
  };

  const pump = () => {
    while (stats.inFlight < maxInFlight && queue.length > 0) {
      const item = queue.shift()!;
      stats.queued = queue.length;
      stats.inFlight++;
      let settled = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stats.timedOut++;
        reportOnce(`a notification call did not finish within ${formatDuration(timeoutMs)}`);
      }, timeoutMs);
      timer.unref?.();
      const done = (outcome: unknown) => {
        if (settled) return;
        // node-notifier calls back with the command's stderr TEXT when notify-send exited 0 (a GLib or D-Bus
        // warning): the notice was shown. Only an Error (non-zero exit, not installed, spawn failure) failed.
        const err = typeof outcome === 'string' ? undefined : outcome;
        settled = true;
        clearTimeout(timer);
        stats.inFlight--;
        if (err) {
          stats.failed++;
          reportOnce(describe(err));
        } else if (!timedOut) stats.delivered++;
        pump();
      };
      try {
        const b = loadBackend();
        b.notify({ title: item.title, message: item.message, wait: false }, (err) => done(err));
      } catch (err) {
        done(err ?? new Error('notify failed'));
      }
    }
  };

  return {
    deliver(notice: Notice) {
      const title = opts.appName ? `${opts.appName}: ${notice.title}` : notice.title;
      queue.push({ title, message: notice.body || notice.title, merged: 1 });
      if (queue.length > maxQueued) {
        // Coalesce the two oldest waiting notices into one summary instead of growing without limit.
        const a = queue.shift()!;
        const b = queue.shift()!;
        const merged = a.merged + b.merged;
        stats.coalesced++;
        queue.unshift({ title: `${merged} Offload notices`, message: `${a.title}; ${b.title}`, merged });
      }
      stats.queued = queue.length;
      pump();
    },
    stats: () => ({ ...stats }),
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0]!.slice(0, 200);
  if (typeof err === 'string') return err.split('\n')[0]!.slice(0, 200);
  return 'unknown error';
}
