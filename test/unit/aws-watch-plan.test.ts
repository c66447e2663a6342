// The AWS watch's decisions (watch-plan.ts), driven by fake config sections and fake rounds: what it asks and
// how often, the snapshot a round leaves, and when a round is worth a journal entry. No AWS, no timers.
import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../main/core/aws/config';
import type { GateRound } from '../../main/core/aws/gate';
import type { AwsObservation } from '../../main/core/aws/observer';
import { gateCrossing, roundSnapshot, watchPlan } from '../../main/core/aws/watch-plan';
import type { NotifyConfig } from '../../main/core/notify/config';

const gate = (o: Partial<GateConfig> = {}): GateConfig => ({
  services: [],
  endpoints: [],
  alarms: { names: [], prefixes: [] },
  consecutivePasses: 3,
  intervalMs: 60_000,
  policy: 'auto',
  backToLocalAfterMs: 600_000,
  ...o,
});
const notify = (o: Partial<NotifyConfig> = {}): NotifyConfig => ({
  desktop: true,
  intervalMs: 30_000,
  localLogs: [],
  quietPeriodMs: 600_000,
  logGroups: [],
  alarms: { names: [], prefixes: [] },
  ...o,
});

describe('watchPlan', () => {
  it('without a gate, alarms or log groups: nothing to ask, nothing polls', () => {
    expect(watchPlan({ gate: gate(), notify: notify() }, false)).toEqual({
      requiredPasses: 3,
      gateOn: false,
      alarms: { names: [], prefixes: [] },
      needsAws: false,
      intervalMs: 30_000,
    });
  });

  it('an endpoint alone is a gate that needs no AWS call; one-shot needs one pass', () => {
    const g = gate({ endpoints: [{ name: 'api', url: 'http://x', status: [200], timeoutMs: 1000 }] });
    expect(watchPlan({ gate: g, notify: notify({ intervalMs: 120_000 }) }, true)).toMatchObject({
      requiredPasses: 1,
      gateOn: true,
      needsAws: false,
      intervalMs: 60_000,
    });
  });

  it('asks the gate’s and the notices’ alarms together, each once; log groups need AWS', () => {
    const p = watchPlan(
      {
        gate: gate({ alarms: { names: ['a', 'b'], prefixes: ['api-'] } }),
        notify: notify({ alarms: { names: ['b', 'c'], prefixes: ['api-', 'db-'] } }),
      },
      false,
    );
    expect(p.alarms).toEqual({ names: ['a', 'b', 'c'], prefixes: ['api-', 'db-'] });
    expect(p.needsAws).toBe(true);
    const logs = notify({
      logGroups: [{ name: '/aws/lambda/api', filterPattern: 'ERROR', windowMs: 60_000 }],
    });
    expect(watchPlan({ gate: gate(), notify: logs }, false)).toMatchObject({ gateOn: false, needsAws: true });
  });
});

const seen = (o: { alarmsUnknown?: string } = {}): AwsObservation => ({
  services: { states: [{ cluster: 'c', service: 's', status: 'running' }] },
  endpoints: [],
  alarms: {
    alarms: [{ name: 'api-5xx', state: 'OK' }],
    ...(o.alarmsUnknown ? { unknown: o.alarmsUnknown } : {}),
  },
});
const judged = (crossedReady: boolean): GateRound => ({
  poll: {
    from: 'checking',
    to: 'ready',
    reason: 'every service stable',
    evidence: { services: [], endpoints: [], alarms: [] },
  },
  endpoints: [],
  crossedReady,
});

describe('roundSnapshot', () => {
  it('is the gate’s verdict with what was seen, at the time it was seen', () => {
    expect(
      roundSnapshot(seen(), judged(false), { seenAt: 0, recentErrors: [], configTarget: 'aws' }),
    ).toEqual({
      gate: 'ready',
      reason: 'every service stable',
      checkedAt: '1970-01-01T00:00:00.000Z',
      services: seen().services.states,
      endpoints: [],
      alarms: [{ name: 'api-5xx', state: 'OK' }],
      recentErrors: [],
      configTarget: 'aws',
    });
  });

  it('says why CloudWatch is blind: the log problem first, then the alarms’', () => {
    const at = { seenAt: 0, recentErrors: [], configTarget: 'local' as const };
    expect(roundSnapshot(seen({ alarmsUnknown: 'throttled' }), judged(false), at).cloudwatchBlind).toBe(
      'throttled',
    );
    expect(
      roundSnapshot(seen({ alarmsUnknown: 'throttled' }), judged(false), {
        ...at,
        logProblem: 'no logs:Filter',
      }).cloudwatchBlind,
    ).toBe('no logs:Filter');
  });
});

describe('gateCrossing', () => {
  it('journals a round only when the gate crossed ready in the continuous watch', () => {
    expect(gateCrossing(judged(true), false)).toEqual({
      from: 'checking',
      to: 'ready',
      reason: 'every service stable',
      evidence: { services: [], endpoints: [], alarms: [] },
    });
    expect(gateCrossing(judged(false), false)).toBeUndefined();
    expect(gateCrossing(judged(true), true)).toBeUndefined();
  });
});
