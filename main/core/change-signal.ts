/**
 * A change signal whose listeners run once per tick, however many changes happen in it: a burst of updates
 * (a process scan, a GPU line, a run's events) reaches the tray and the window as one.
 */
export interface ChangeSignal {
  /** Marks a change; listeners run on the next tick. */
  emit(): void;
  subscribe(listener: () => void): () => void;
}

export function changeSignal(): ChangeSignal {
  const listeners = new Set<() => void>();
  let scheduled = false;
  return {
    emit() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        for (const l of listeners) l();
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
