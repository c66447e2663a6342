/**
 * The one contract between the Electron main process, the preload bridge and the status window.
 * Declared once here; main (handlers + validation), preload (exposure) and renderer (calls) all use it.
 * Type-only imports from the core: this file adds no runtime dependency to the sandboxed preload.
 */
import type { OffloadState, Notice, Phase6State, RunSummary, StopOutcome } from '../main/core/state';
import type { PhaseId } from '../main/core/vocabulary';

/** Where a notice (or a tray action) asks the window to open: a view and optionally one item in it. */
export type ViewTarget = Notice['target'];

/** Requests the renderer may send, as name -> function signature. Every one is validated in main. */
export interface OffloadInvokeMap {
  /** The latest state snapshot (the window asks once when it loads, then follows `event`). */
  getState(): OffloadState;
  /** Starts an entry point by name (one of state.workflows); resolves when the run has finished. */
  run(workflow: string): RunSummary;
  /** Cancels the running workflow (no-op when none runs). */
  cancel(): void;
  /** Stops the given local model servers (by pid), or all of them. */
  stopModels(opts: { pids?: number[]; all?: boolean }): StopOutcome[];
  /** Points the dev config (offload.yml `switch:` files) at AWS or back at the local model servers. */
  switchConfig(target: 'aws' | 'local'): void;
  /** Trusts the open project as it is now (after the user reviewed what it runs). */
  trustProject(): void;
  /** Pauses or resumes the machine and AWS watches. */
  setMonitoringPaused(paused: boolean): void;
  /** The full log of one step of a run. */
  runLog(runId: string, phase: PhaseId, step: string): string;
  /** Opens an AWS console link in the browser (https console URLs only). */
  openExternal(url: string): void;
  /** Asks main to show the folder picker and open the chosen project. */
  chooseProject(): void;
  /** Puts the error context (Markdown: error lines and their neighbours, deployment, console links) on the clipboard; returns it. */
  copyErrorContext(): string;
  /** The cause of phase 6's errors is resolved: restart the quiet period without redeploying. */
  acknowledgePhase6(): Phase6State;
  /** Redeploy after fix: runs the `services` entry point (the gates apply as always). */
  redeploy(): RunSummary;
  /** Back to local: points the dev config back at the local model servers. */
  backToLocal(): void;
}

/** Request names, in one list so preload can build the exposed object without repeating them. */
export const INVOKE_NAMES = [
  'getState',
  'run',
  'cancel',
  'stopModels',
  'switchConfig',
  'trustProject',
  'setMonitoringPaused',
  'runLog',
  'openExternal',
  'chooseProject',
  'copyErrorContext',
  'acknowledgePhase6',
  'redeploy',
  'backToLocal',
] as const satisfies readonly (keyof OffloadInvokeMap)[];

export type InvokeName = (typeof INVOKE_NAMES)[number];

/** The IPC channel that carries one request. */
export const invokeChannel = (name: InvokeName): string => `offload:${name}`;

/** The one channel main uses to push events to the window. */
export const EVENT_CHANNEL = 'offload:event';

/** What main pushes to the window: a new state, or "show this item" (a notice click or a tray action). */
export type OffloadEvent = { type: 'state'; state: OffloadState } | { type: 'navigate'; target: ViewTarget };

/** Every handler answers this envelope; preload turns `error` back into a thrown Error. */
export type Envelope<T> = { result: T } | { error: string };

/** The object the renderer sees as `window.offload`: each request as an async function, plus events. */
export type OffloadApi = {
  [K in InvokeName]: (...args: Parameters<OffloadInvokeMap[K]>) => Promise<ReturnType<OffloadInvokeMap[K]>>;
} & {
  /** Subscribes to pushed events; returns an unsubscribe function. */
  onEvent(listener: (event: OffloadEvent) => void): () => void;
};

/** Name under which preload exposes the API in the page (`window.offload`). */
export const API_KEY = 'offload';
