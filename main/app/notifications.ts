/**
 * Shows the core's notices as OS notifications; clicking one opens the status window at its item.
 */
import type { Notification as NotificationT } from 'electron';
import { sanitizeForTerminal } from '../core/format';
import type { Notice } from '../core/state';
import type { ViewTarget } from '../../preload/api';

type ElectronParts = Pick<typeof import('electron'), 'Notification'>;

/** Delivers notices; keeps each alive until clicked or closed (otherwise GC can drop its click). */
export class NoticePresenter {
  private readonly live = new Set<NotificationT>();

  constructor(
    private readonly electron: ElectronParts,
    private readonly open: (target: ViewTarget) => void,
  ) {}

  /** Shows one notice (silently nothing where the OS has no notifications). */
  show(notice: Pick<Notice, 'title' | 'body' | 'target' | 'level'>): void {
    const { Notification } = this.electron;
    if (!Notification.isSupported()) return;
    const n = new Notification({
      // A notice quotes log lines and step names: controls and bidi characters shown as `⟨U+XXXX⟩`.
      title: sanitizeForTerminal(notice.title, { keepColour: false }),
      body: sanitizeForTerminal(notice.body, { keepColour: false }),
      urgency: notice.level === 'error' ? 'critical' : 'normal',
    });
    this.live.add(n);
    const done = () => this.live.delete(n);
    n.on('click', () => {
      done();
      this.open(notice.target);
    });
    n.on('close', done);
    n.show();
  }
}
