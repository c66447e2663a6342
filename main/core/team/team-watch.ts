/**
 * The team's view as the tray, the window, drift and phase 6 see it: read on a slow cadence (every minute
 * while watching, and after each run), kept between reads, never read per state update (its latest deploy
 * as a deployment: team-deployment.ts).
 */
import type { TeamView } from '../state';
import { Poller, type Timers } from '../units/poller';

/** How often a watching core reads the team's bucket (the view is a minute old at most). */
export const TEAM_REFRESH_MS = 60_000;

/** The team's view, kept: read by a poller while watching, after runs, and on demand when older than asked. */
export class TeamWatch {
  private view: TeamView | null = null;
  private readAt = 0;
  private readonly poller: Poller;

  constructor(
    private readonly read: () => Promise<TeamView>,
    private readonly o: { changed: () => void; now?: () => number; timers?: Timers; intervalMs?: number },
  ) {
    this.poller = new Poller(() => this.readNow(), {
      intervalMs: o.intervalMs ?? TEAM_REFRESH_MS,
      timers: o.timers,
    });
  }

  /** Reads every interval from now (the tray, `offload watch`). */
  start(): void {
    this.poller.start();
  }

  /** Monitoring paused: no reads every minute (a run's or a command's still read). */
  setPaused(paused: boolean): void {
    this.poller.setPaused(paused);
  }

  /** The view as last read (null before the first read). */
  current(): TeamView | null {
    return this.view;
  }

  /** Reads now (a run ended, `offload team`); a read in flight is shared. */
  async refresh(): Promise<TeamView | null> {
    await this.poller.runNow();
    return this.view;
  }

  /** The view, read now only when none was read within `maxAgeMs`. */
  async fresh(maxAgeMs = TEAM_REFRESH_MS): Promise<TeamView | null> {
    if (this.view && this.now() - this.readAt < maxAgeMs) return this.view;
    return this.refresh();
  }

  dispose(): void {
    this.poller.dispose();
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async readNow(): Promise<void> {
    this.view = await this.read();
    this.readAt = this.now();
    this.o.changed();
  }
}
