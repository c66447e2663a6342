/**
 * Disposables: one store per owner (an open project, a watch) collects what must be undone — timers,
 * subscriptions, file watches, child watches — so closing is `store.dispose()`, not a list of hand-written
 * teardown lines that drifts from what was opened. VS Code's `DisposableStore` is the model.
 */

/** Something that holds a resource until disposed (sync or async). */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/** Wraps a teardown function (an unsubscribe, a clearInterval) as a Disposable that runs it once. */
export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/**
 * Owns disposables and disposes them in reverse order of adding (what was opened last closes first). Adding
 * to a disposed store disposes the newcomer at once, so a late subscription cannot leak.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Keeps `d` until the store is disposed; returns it for chaining (`const w = store.add(new Watch())`). */
  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      void Promise.resolve()
        .then(() => d.dispose())
        .catch(() => undefined);
    } else this.items.push(d);
    return d;
  }

  /** Keeps a teardown function (an unsubscribe) until the store is disposed. */
  addFn(fn: () => void | Promise<void>): void {
    this.add(toDisposable(fn));
  }

  /**
   * Disposes everything, newest first; async disposals are awaited in turn. One failing disposal does not
   * stop the others; the first error is thrown after all ran.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let first: unknown;
    let failed = false;
    while (this.items.length) {
      const d = this.items.pop()!;
      try {
        await d.dispose();
      } catch (err) {
        if (!failed) first = err;
        failed = true;
      }
    }
    if (failed) throw first;
  }
}
