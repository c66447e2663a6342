/**
 * What every section of the status window shares: the page's elements by id, the bridge, and the one line
 * that answers the user's own actions. Sections get it from `mountView` and keep no other shared state.
 */
import type { OffloadApi } from '../preload/api';
import type { OffloadState } from '../main/core/state';
import { setText } from './dom';

/** The element with `id` from index.html's skeleton (a missing one is a bug in the page, said plainly). */
export const $ = (id: string): HTMLElement => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`status window: #${id} missing from index.html`);
  return node;
};

/** One section of the window: re-renders what changed in its slice of the state. */
export interface Section {
  render(state: OffloadState): void;
}

/** The bridge and the action line, shared by the controls and the sections. */
export interface ViewContext {
  api: OffloadApi;
  /** Model server pids whose Stop is in flight: their rows keep saying "Stopping…" until it answers. */
  busyPids: Set<number>;
  /** Feedback on the user's own action (its own live region, so state updates do not overwrite it). */
  say(text: string): void;
  /** Runs a command and says its error, prefixed with `label`, on the action line. */
  act(label: string, fn: () => Promise<unknown>): Promise<void>;
}

/** The context over `api`. */
export function createViewContext(api: OffloadApi): ViewContext {
  const say = (text: string) => setText($('action-line'), text);
  return {
    api,
    busyPids: new Set<number>(),
    say,
    async act(label, fn) {
      try {
        await fn();
      } catch (err) {
        say(`${label}: ${(err as Error).message}`);
      }
    },
  };
}
