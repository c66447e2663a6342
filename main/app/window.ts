/**
 * The mini status window: created on first use (the app starts in the tray without flashing a window),
 * shown next to the tray, hidden on blur or Escape. It only receives state while visible; on show it gets
 * the latest snapshot, so a hidden window costs nothing.
 */
import type { BrowserWindow as BrowserWindowT, Rectangle as ERect } from 'electron';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNEL, type OffloadEvent, type ViewTarget } from '../../preload/api';
import type { OffloadState } from '../core/state';
import { secureWebPreferences } from './security';
import { WINDOW_SIZE, windowPosition } from './window-position';

type ElectronParts = Pick<typeof import('electron'), 'BrowserWindow' | 'screen'>;

/** Owns the one status window and decides when it gets state. */
export class StatusWindow {
  private win: BrowserWindowT | null = null;
  private ready = false;
  private latest: OffloadState | null = null;
  private pendingTarget: ViewTarget | null = null;
  /** URL of the renderer page; messages from any other frame are refused. */
  readonly pageUrl: string;

  constructor(
    private readonly electron: ElectronParts,
    private readonly files: { html: string; preload: string },
    private readonly trayBounds: () => ERect | undefined,
  ) {
    this.pageUrl = pathToFileURL(files.html).href;
  }

  /** Whether a request comes from our own window's own page. */
  isOwnSender(event: { sender?: { id: number }; senderFrame?: { url: string } | null }): boolean {
    if (!this.win || this.win.isDestroyed() || !event.sender || event.sender.id !== this.win.webContents.id)
      return false;
    const url = event.senderFrame?.url;
    if (typeof url !== 'string') return false;
    return url.split('#')[0]!.split('?')[0] === this.pageUrl;
  }

  /** The live window, for tests and for the tray's toggle. */
  get window(): BrowserWindowT | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  get visible(): boolean {
    return Boolean(this.window?.isVisible());
  }

  /** New core state: kept, and sent only if someone can see it. */
  update(state: OffloadState): void {
    this.latest = state;
    if (this.visible && this.ready) this.send({ type: 'state', state });
  }

  /** Shows the window next to the tray, optionally at one view/item (a notice click). */
  show(target?: ViewTarget): void {
    const win = this.ensure();
    if (target) this.pendingTarget = target;
    const { x, y } = windowPosition(this.trayBounds(), this.workArea(), WINDOW_SIZE);
    win.setPosition(x, y);
    if (this.ready) {
      this.flush();
      win.show();
      win.focus();
    }
    // else: shown by ready-to-show (show: false until the page is painted, no white flash).
  }

  hide(): void {
    this.window?.hide();
  }

  toggle(): void {
    if (this.visible) this.hide();
    else this.show();
  }

  destroy(): void {
    this.window?.destroy();
    this.win = null;
  }

  private workArea(): ERect {
    const { screen } = this.electron;
    const b = this.trayBounds();
    const point = b && b.width ? { x: b.x, y: b.y } : screen.getCursorScreenPoint();
    return screen.getDisplayNearestPoint(point).workArea;
  }

  private flush() {
    if (this.latest) this.send({ type: 'state', state: this.latest });
    if (this.pendingTarget) {
      this.send({ type: 'navigate', target: this.pendingTarget });
      this.pendingTarget = null;
    }
  }

  private send(event: OffloadEvent) {
    this.window?.webContents.send(EVENT_CHANNEL, event);
  }

  private ensure(): BrowserWindowT {
    if (this.window) return this.window;
    const win = new this.electron.BrowserWindow({
      ...WINDOW_SIZE,
      show: false,
      frame: false,
      resizable: false,
      fullscreenable: false,
      maximizable: false,
      minimizable: false,
      skipTaskbar: true,
      title: 'Offload',
      webPreferences: secureWebPreferences(this.files.preload),
    });
    this.win = win;
    this.ready = false;
    win.once('ready-to-show', () => {
      this.ready = true;
      this.flush();
      win.show();
      win.focus();
    });
    win.on('blur', () => win.hide());
    win.on('closed', () => {
      this.win = null;
      this.ready = false;
    });
    win.webContents.on('before-input-event', (event, input) => {
      if (input.type === 'keyDown' && input.key === 'Escape') {
        event.preventDefault();
        win.hide();
      }
    });
    void win.loadFile(this.files.html);
    return win;
  }
}
