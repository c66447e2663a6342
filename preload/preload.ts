/**
 * The preload bridge: exposes exactly the typed API of preload/api.ts as `window.offload`, nothing else.
 * Bundled as one CommonJS file; in the sandbox it may only require('electron').
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  API_KEY,
  EVENT_CHANNEL,
  INVOKE_NAMES,
  invokeChannel,
  type Envelope,
  type OffloadApi,
  type OffloadEvent,
} from './api';

const call =
  (name: (typeof INVOKE_NAMES)[number]) =>
  async (...args: unknown[]): Promise<unknown> => {
    const reply = (await ipcRenderer.invoke(invokeChannel(name), ...args)) as Envelope<unknown> | undefined;
    if (!reply || typeof reply !== 'object') throw new Error(`${name}: no answer from the app`);
    if ('error' in reply) throw new Error(reply.error);
    return reply.result;
  };

const api = Object.fromEntries(INVOKE_NAMES.map((name) => [name, call(name)])) as Omit<OffloadApi, 'onEvent'>;

const exposed: OffloadApi = {
  ...api,
  onEvent(listener) {
    // Never hand the raw IpcRendererEvent (and its `sender`) to the page: only the payload.
    const wrapped = (_e: IpcRendererEvent, event: OffloadEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld(API_KEY, exposed);
