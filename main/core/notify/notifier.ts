/**
 * The notifier: every notice the core raises goes to subscribers (CLI, tray, history) at once and to one
 * desktop sink in the background. Identical notices within a short window are deduplicated so a flapping
 * source cannot flood the desktop.
 */
import type { Notice } from '../vocabulary';

/** Where notices are delivered besides subscribers (node-notifier, or a test sink). Must not throw. */
export interface NotifySink {
  deliver(notice: Notice): Promise<void> | void;
}

/** What a caller passes to `notify`; id and time are filled in. */
export type NoticeInput = Omit<Notice, 'id' | 'at'>;

export interface NotifierOptions {
  sink?: NotifySink;
  /** How many recent notices to keep for late subscribers (default 100). */
  keep?: number;
  /** Identical title+body within this window is delivered once (default 5 s). */
  dedupeMs?: number;
  now?: () => number;
}

let seq = 0;

/** Raises notices: keeps the recent ones, tells subscribers synchronously, hands each to the sink. */
export class Notifier {
  private readonly listeners = new Set<(n: Notice) => void>();
  private readonly kept: Notice[] = [];
  private readonly lastSeen = new Map<string, number>();
  private readonly keep: number;
  private readonly dedupeMs: number;
  private readonly now: () => number;
  private sink: NotifySink | undefined;

  constructor(opts: NotifierOptions = {}) {
    this.sink = opts.sink;
    this.keep = opts.keep ?? 100;
    this.dedupeMs = opts.dedupeMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** Replaces the desktop sink (the tray brings its own). */
  setSink(sink: NotifySink | undefined): void {
    this.sink = sink;
  }

  /** Raises one notice and returns it (a deduplicated repeat returns the earlier one's copy, undelivered). */
  notify(input: NoticeInput): Notice {
    const t = this.now();
    const key = `${input.level}\u0000${input.title}\u0000${input.body}`;
    const last = this.lastSeen.get(key);
    const notice: Notice = {
      ...input,
      id: `n${t.toString(36)}-${(++seq).toString(36)}`,
      at: new Date(t).toISOString(),
    };
    if (last !== undefined && t - last < this.dedupeMs) return notice;
    this.lastSeen.set(key, t);
    if (this.lastSeen.size > 500) {
      for (const [k, v] of this.lastSeen) if (t - v >= this.dedupeMs) this.lastSeen.delete(k);
    }
    this.kept.push(notice);
    if (this.kept.length > this.keep) this.kept.splice(0, this.kept.length - this.keep);
    for (const l of [...this.listeners]) {
      try {
        l(notice);
      } catch {
        // A broken listener must not stop the others or the sink.
      }
    }
    const sink = this.sink;
    if (sink) {
      try {
        void Promise.resolve(sink.deliver(notice)).catch(() => undefined);
      } catch {
        // Sinks report their own failures (once); nothing to do here.
      }
    }
    return notice;
  }

  /** Called with each new notice; returns an unsubscribe function. */
  subscribe(listener: (n: Notice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The most recent notices, oldest first. */
  recent(): Notice[] {
    return [...this.kept];
  }
}

declare module '../vocabulary/step-kind' {
  interface StepServices {
    /** The notifier of the front end that runs the step (deduplicated, coalesced notices). */
    notifier?: Notifier;
  }
}
