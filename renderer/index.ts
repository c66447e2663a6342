/**
 * Status window entry: mounts the view, asks for the state once, then follows the bridge's events.
 * Renders at most once per animation frame, whatever the event rate.
 */
import type { OffloadApi } from '../preload/api';
import type { OffloadState } from '../main/core/state';
import { setText } from './dom';
import { mountView } from './view';

declare global {
  interface Window {
    offload: OffloadApi;
  }
}

const api = window.offload;
const view = mountView(api);
let pending: OffloadState | null = null;
let scheduled = false;

const schedule = (state: OffloadState) => {
  pending = state;
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    if (pending) view.render(pending);
    pending = null;
  });
};

api.onEvent((event) => {
  if (event.type === 'state') schedule(event.state);
  else {
    if (pending) {
      view.render(pending);
      pending = null;
    }
    view.navigate(event.target);
  }
});
api.getState().then(schedule, (err: Error) => {
  setText(document.getElementById('status-line')!, `Could not reach the app: ${err.message}`);
});
