/**
 * Plugs the bridge into ipcMain: one handler per request of preload/api.ts, each refusing messages that
 * do not come from our own window's own page (Fiddle's sender check) before validation runs.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { INVOKE_NAMES, invokeChannel } from '../../preload/api';
import type { Offload } from '../core/state';
import { createBridgeHandlers, handleRequest, type BridgeShell } from './bridge-handlers';

/** Registers every request handler; returns a function that removes them. */
export function registerBridge(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: Offload,
  isOwnSender: (event: IpcMainInvokeEvent) => boolean,
  shell: BridgeShell,
): () => void {
  const handlers = createBridgeHandlers(core, shell);
  for (const name of INVOKE_NAMES) {
    ipcMain.handle(invokeChannel(name), async (event, ...args: unknown[]) => {
      if (!isOwnSender(event)) {
        console.warn(
          `offload: refused ${name} from a foreign sender (${event.senderFrame?.url ?? 'no frame'})`,
        );
        return { error: 'refused: message from an unknown sender' };
      }
      return handleRequest(handlers, core, name, args);
    });
  }
  return () => {
    for (const name of INVOKE_NAMES) ipcMain.removeHandler(invokeChannel(name));
  };
}
