/**
 * What the rule makes of the gate's polls over time, as a pure function: the transitions it acts on, the
 * back-to-local clock and the "cannot see AWS" episodes. Only seen verdicts move the rule: `unknown` (AWS
 * could not be seen) never opens, never closes, never runs the back-to-local clock and never counts as a
 * recovery; `checking` (the first passes being counted) is never an alarm.
 */
import type { GatePoll } from './aws-ready';

/** The rule's memory of the gate between polls. */
export interface GateTrack {
  /** The last seen decisive verdict; undefined until AWS was first seen ready or not ready. */
  known?: 'ready' | 'not-ready';
  /** Since when AWS has not been ready after having been ready (unseen time is not counted). */
  notReadySince?: number;
  /** Whether the way back to local was offered in this not-ready episode. */
  offeredBack: boolean;
  /** When the current run of unknown polls began; undefined while AWS is seen. */
  unseenSince?: number;
  /** Unknown polls in a row. */
  unseenPolls: number;
  /** Seen polls in a row since the last unknown one. */
  seenPolls: number;
  /** Whether the user was told in this "cannot see AWS" episode. */
  unseenTold: boolean;
}

/** What the rule should do after a poll. */
export type GateAction =
  | { kind: 'opened' }
  | { kind: 'closed' }
  /** Still ready: look at the model servers again. */
  | { kind: 'still-ready' }
  /** AWS has been not ready (after ready) for `back-to-local-after`. */
  | { kind: 'back-to-local'; minutes: number; forMs: number }
  /** The first thing seen after start is "not ready" (the dev tools may point at it). */
  | { kind: 'not-ready-at-start' }
  /** AWS cannot be seen: tell the user once per episode. */
  | { kind: 'cannot-see'; reason: string };

export interface GateTrackOptions {
  backToLocalAfterMs: number;
  /** Unknown polls in a row before the user is told (default 2: one blip is not worth a notice). */
  tellAfterUnseenPolls?: number;
  /** Seen polls in a row that end a "cannot see AWS" episode (default 3: flapping is one episode). */
  episodeEndsAfterSeenPolls?: number;
}

/** The track before the first poll. */
export const INITIAL_GATE_TRACK: GateTrack = {
  offeredBack: false,
  unseenPolls: 0,
  seenPolls: 0,
  unseenTold: false,
};

/** One poll: the next track and what to do, in order. */
export function trackGate(
  t: GateTrack,
  poll: Pick<GatePoll, 'to' | 'reason'>,
  now: number,
  o: GateTrackOptions,
): { track: GateTrack; actions: GateAction[] } {
  const next: GateTrack = { ...t };
  const actions: GateAction[] = [];
  if (poll.to === 'disabled') return { track: next, actions };
  if (poll.to === 'unknown') {
    next.unseenSince ??= now;
    next.unseenPolls += 1;
    next.seenPolls = 0;
    if (!next.unseenTold && next.unseenPolls >= (o.tellAfterUnseenPolls ?? 2)) {
      next.unseenTold = true;
      actions.push({ kind: 'cannot-see', reason: poll.reason || 'AWS could not be asked' });
    }
    return { track: next, actions };
  }
  // Seen again: the unseen span does not count towards back-to-local.
  if (next.unseenSince !== undefined && next.notReadySince !== undefined)
    next.notReadySince += now - next.unseenSince;
  next.unseenSince = undefined;
  next.unseenPolls = 0;
  next.seenPolls += 1;
  if (next.seenPolls >= (o.episodeEndsAfterSeenPolls ?? 3)) next.unseenTold = false;

  if (poll.to === 'ready') {
    actions.push({ kind: next.known === 'ready' ? 'still-ready' : 'opened' });
    next.known = 'ready';
    next.notReadySince = undefined;
    next.offeredBack = false;
    return { track: next, actions };
  }
  if (poll.to === 'not-ready') {
    if (next.known === 'ready') {
      actions.push({ kind: 'closed' });
      next.notReadySince = now;
    } else if (next.known === undefined) actions.push({ kind: 'not-ready-at-start' });
    next.known = 'not-ready';
  }
  // `checking` after not ready (passes counted again) keeps the clock running; it decides nothing itself.
  if (
    next.known === 'not-ready' &&
    next.notReadySince !== undefined &&
    !next.offeredBack &&
    now - next.notReadySince >= o.backToLocalAfterMs
  ) {
    next.offeredBack = true;
    const forMs = Math.round((now - next.notReadySince) / 1000) * 1000;
    actions.push({ kind: 'back-to-local', minutes: Math.round(forMs / 60_000), forMs });
  }
  return { track: next, actions };
}
