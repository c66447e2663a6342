/**
 * Time-driven work, written once: a poller that runs a task now and then a fixed interval after each run
 * ends (never overlapping, pausable, "run now" shares the run in flight), and a run-once scheduler for a
 * single deadline. VS Code's `RunOnceScheduler` and GitHub Desktop's background fetcher are the models; the
 * watches use these instead of their own setTimeout loops.
 */
import type { Disposable } from './disposable';

/** Timer functions (injected by tests that control time); the defaults never keep the process alive. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a poll or a deadline never keeps a CLI process running. */
export const UNREF_TIMERS: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PollerOptions {
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  timers?: Timers;
  /** Where a failed run's error goes (the poller carries on at the next interval). */
  onError?: (err: unknown) => void;
  /** The pause after a run, asked when the next run is scheduled (a back-off); default `intervalMs`. */
  delayMs?: () => number;
}

/** Runs a task repeatedly while started and not paused; one run at a time. */
export class Poller implements Disposable {
  private readonly timers: Timers;
  private running = false;
  private paused = false;
  private timer: unknown;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly task: () => Promise<void> | void,
    private readonly o: PollerOptions,
  ) {
    this.timers = o.timers ?? UNREF_TIMERS;
  }

  /** Whether start() was called and stop() was not since. */
  get started(): boolean {
    return this.running;
  }

  /** Runs the task at once (unless paused), then every interval after each run ends. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.paused) void this.runNow().finally(() => this.schedule());
  }

  /** No further runs (one in flight finishes). */
  stop(): void {
    this.running = false;
    this.cancelTimer();
  }

  /** Paused: no runs until resumed; resuming runs at once and picks the interval up again. */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.cancelTimer();
    else if (this.running) void this.runNow().finally(() => this.schedule());
  }

  /** One run now; a call while one is in flight shares it. Never rejects (errors go to onError). */
  runNow(): Promise<void> {
    this.inFlight ??= Promise.resolve()
      .then(() => this.task())
      .catch((err: unknown) => this.o.onError?.(err))
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  dispose(): void {
    this.stop();
  }

  private schedule(): void {
    this.cancelTimer();
    if (!this.running || this.paused) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.runNow().finally(() => this.schedule());
    }, this.o.delayMs?.() ?? this.o.intervalMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Runs a function once at a deadline; scheduling again replaces the earlier deadline. */
export class RunOnceScheduler implements Disposable {
  private timer: unknown;
  private key: string | undefined;

  constructor(
    private readonly fn: () => void,
    private readonly timers: Timers = UNREF_TIMERS,
  ) {}

  /**
   * Runs fn after `delayMs`. With a `key`, scheduling the same key again (pending or already run) does
   * nothing: one timer per deadline, not one per call. cancel() forgets the key.
   */
  schedule(delayMs: number, key?: string): void {
    if (key !== undefined && key === this.key) return;
    this.cancel();
    this.key = key;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, delayMs);
  }

  /** Whether a run is pending. */
  get isScheduled(): boolean {
    return this.timer !== undefined;
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.key = undefined;
  }

  dispose(): void {
    this.cancel();
  }
}

/**
 * Runs a task at most once at a time, with at most one more run pending: calls while it runs share that
 * pending run, so a burst of triggers never queues more than one run behind the current one.
 */
export class CoalescedRunner implements Disposable {
  private current: Promise<void> | null = null;
  private pending: Promise<void> | null = null;
  private disposed = false;

  constructor(
    private readonly task: () => Promise<void> | void,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /** Runs now if idle, else once after the current run (shared by every call until it starts). Never rejects. */
  run(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.pending) return this.pending;
    if (!this.current) return (this.current = this.launch());
    this.pending = this.current.then(() => {
      this.pending = null;
      if (this.disposed) return;
      return (this.current = this.launch());
    });
    return this.pending;
  }

  /** Whether a run is in flight or pending. */
  get busy(): boolean {
    return this.current !== null || this.pending !== null;
  }

  /** No further runs start (one in flight finishes). */
  dispose(): void {
    this.disposed = true;
  }

  private launch(): Promise<void> {
    const p: Promise<void> = Promise.resolve()
      .then(() => this.task())
      .catch((err: unknown) => this.onError?.(err))
      .finally(() => {
        if (this.current === p) this.current = null;
      });
    return p;
  }
}
