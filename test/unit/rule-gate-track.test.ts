// The rule's view of the gate over polls (trackGate), driven by fake polls on a fake clock: unknown never
// opens, closes, re-opens or runs the back-to-local clock, and is told once per episode; checking is quiet.
import { describe, expect, it } from 'vitest';
import type { GateVerdict } from '../../main/core/rule/aws-ready';
import { INITIAL_GATE_TRACK, trackGate, type GateAction } from '../../main/core/rule/gate-track';

const MIN = 60_000;

/** Feeds verdicts at the given minutes; returns every action with the minute it came at. */
function run(polls: [minute: number, to: GateVerdict][], backMin = 10) {
  let track = INITIAL_GATE_TRACK;
  const out: [number, GateAction['kind']][] = [];
  for (const [m, to] of polls) {
    const r = trackGate(
      track,
      { to, reason: to === 'unknown' ? 'alarm api-5xx: AWS throttled the request' : 'x' },
      m * MIN,
      { backToLocalAfterMs: backMin * MIN },
    );
    track = r.track;
    for (const a of r.actions) out.push([m, a.kind]);
  }
  return out;
}

describe('trackGate', () => {
  it('the first rounds counting passes say nothing, then the gate opens once', () => {
    expect(
      run([
        [0, 'checking'],
        [1, 'checking'],
        [2, 'ready'],
        [3, 'ready'],
      ]),
    ).toEqual([
      [2, 'opened'],
      [3, 'still-ready'],
    ]);
  });

  it('a first seen verdict of not ready is said at start (checking and unknown before it are not)', () => {
    expect(
      run([
        [0, 'checking'],
        [1, 'not-ready'],
        [2, 'not-ready'],
      ]),
    ).toEqual([[1, 'not-ready-at-start']]);
  });

  it('ready → unknown → ready neither closes nor reopens (no second shutdown)', () => {
    expect(
      run([
        [0, 'ready'],
        [1, 'unknown'],
        [2, 'ready'],
        [3, 'unknown'],
        [4, 'ready'],
      ]),
    ).toEqual([
      [0, 'opened'],
      [2, 'still-ready'],
      [4, 'still-ready'],
    ]);
  });

  it('unknown for longer than back-to-local-after never starts the way back', () => {
    const polls: [number, GateVerdict][] = [[0, 'ready']];
    for (let m = 1; m <= 30; m++) polls.push([m, 'unknown']);
    expect(run(polls).filter(([, k]) => k === 'back-to-local' || k === 'closed')).toEqual([]);
  });

  it('the back-to-local clock pauses while AWS cannot be seen', () => {
    const out = run([
      [0, 'ready'],
      [1, 'not-ready'], // closed: the clock starts
      [5, 'unknown'], // 4 min counted, then paused
      [30, 'not-ready'], // 25 unseen minutes are not counted: 4 min
      [36, 'not-ready'], // 10 min
    ]);
    expect(out).toEqual([
      [0, 'opened'],
      [1, 'closed'],
      [36, 'back-to-local'],
    ]);
  });

  it('ready → unknown → not ready closes once, when not ready is seen', () => {
    expect(
      run([
        [0, 'ready'],
        [1, 'unknown'],
        [2, 'unknown'],
        [3, 'not-ready'],
      ]),
    ).toEqual([
      [0, 'opened'],
      [2, 'cannot-see'],
      [3, 'closed'],
    ]);
  });

  it('"cannot see AWS" is told once per episode: not for one blip, once through flapping', () => {
    expect(
      run([
        [0, 'ready'],
        [1, 'unknown'], // one blip: not told
        [2, 'ready'],
        [3, 'ready'],
        [4, 'ready'],
        [5, 'unknown'],
        [6, 'unknown'], // told
        [7, 'ready'],
        [8, 'unknown'], // flapping: same episode
        [9, 'unknown'],
        [10, 'ready'],
        [11, 'ready'],
        [12, 'ready'], // episode over
        [13, 'unknown'],
        [14, 'unknown'], // told again
      ]).filter(([, k]) => k === 'cannot-see'),
    ).toEqual([
      [6, 'cannot-see'],
      [14, 'cannot-see'],
    ]);
  });
});
