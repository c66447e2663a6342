/**
 * What each bridge request does, and the one door every request goes through: validate against the
 * current state, call the core, answer `{ result }` or `{ error }` (never a stack, never a hung promise).
 * Electron-free: main/app/ipc.ts plugs it into ipcMain, tests plug it into a Playwright page.
 */
import type { Envelope, InvokeName, OffloadInvokeMap } from '../../preload/api';
import type { Offload } from '../core/state';
import { BridgeInputError, validateRequest } from './bridge-validate';

type Handler<K extends InvokeName> = (
  ...args: Parameters<OffloadInvokeMap[K]>
) => Promise<ReturnType<OffloadInvokeMap[K]>> | ReturnType<OffloadInvokeMap[K]>;

/** One implementation per request name. */
export type BridgeHandlers = { [K in InvokeName]: Handler<K> };

/** Window-side actions the core does not own (the browser, the folder picker, the clipboard). */
export interface BridgeShell {
  openExternal(url: string): Promise<void>;
  chooseProject(): Promise<void>;
  /** Puts text on the system clipboard (Electron's clipboard in main: the sandboxed window cannot). */
  writeClipboard(text: string): void;
}

/**
 * The error context as Markdown, from the core's errorContext() (phase 6); a clear error where this core
 * does not offer it yet.
 */
export async function errorContextOf(core: Offload): Promise<string> {
  const fn = (core as { errorContext?: () => unknown }).errorContext;
  if (typeof fn !== 'function') throw new Error('error context is not available in this version of Offload');
  const md = await fn.call(core);
  if (typeof md !== 'string' || !md.trim()) throw new Error('no error to copy yet');
  return md;
}

/** The handlers: each maps a request onto the core (or the shell). */
export function createBridgeHandlers(core: Offload, shell: BridgeShell): BridgeHandlers {
  return {
    getState: () => core.state(),
    run: (workflow) => core.run(workflow),
    cancel: () => core.cancel(),
    stopModels: (opts) => core.stopModels(opts),
    switchConfig: async (target) => {
      await core.switchConfig(target);
    },
    trustProject: () => core.trustProject(),
    setMonitoringPaused: (paused) => core.setMonitoringPaused(paused),
    runLog: (runId, phase, step) => core.runLog(runId, phase, step),
    openExternal: (url) => shell.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK -- BridgeShell, checked in app.ts
    chooseProject: () => shell.chooseProject(),
    copyErrorContext: async () => {
      const md = await errorContextOf(core);
      shell.writeClipboard(md);
      return md;
    },
    acknowledgePhase6: () => core.acknowledgePhase6('window'),
    redeploy: () => core.run('services'),
    backToLocal: async () => {
      await core.switchConfig('local');
    },
  };
}

/** Runs one request through validation and its handler; always resolves to an envelope. */
export async function handleRequest(
  handlers: BridgeHandlers,
  core: Offload,
  name: string,
  args: unknown,
): Promise<Envelope<unknown>> {
  try {
    const valid = validateRequest(name as InvokeName, args, core.state());
    const fn = handlers[name as InvokeName] as (...a: unknown[]) => unknown;
    const result = await fn(...valid);
    return { result: result === undefined ? null : result };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { error: err instanceof BridgeInputError ? `refused: ${msg}` : msg };
  }
}
