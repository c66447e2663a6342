// "AWS ready" as a pure function of observations: every branch, no AWS needed.
import { describe, expect, it } from 'vitest';
import { assessAwsReady, type GateObservations } from '../../main/core/rule/aws-ready';

const NOW = 1_000_000;
const healthy = (): GateObservations => ({
  configured: true,
  services: [{ cluster: 'dev', service: 'api', state: 'stable', seenAt: NOW }],
  endpoints: [{ name: 'health', ok: true, result: 'HTTP 200 in 5 ms', consecutivePasses: 3, seenAt: NOW }],
  alarms: [{ name: 'api-5xx', state: 'OK', seenAt: NOW }],
  unmatchedAlarmPrefixes: [],
});
const req = { requiredPasses: 3, now: NOW };

describe('assessAwsReady', () => {
  it('nothing configured is disabled, not ready', () => {
    expect(assessAwsReady({ ...healthy(), configured: false }, req)).toEqual({
      verdict: 'disabled',
      reasons: [],
    });
  });

  it('every part healthy is ready with no reasons', () => {
    expect(assessAwsReady(healthy(), req)).toEqual({ verdict: 'ready', reasons: [] });
    // INSUFFICIENT_DATA is not an alarm firing.
    const o = healthy();
    o.alarms[0]!.state = 'INSUFFICIENT_DATA';
    expect(assessAwsReady(o, req).verdict).toBe('ready');
  });

  it('a one-shot check needs one pass; the continuous watch needs N in a row', () => {
    const o = healthy();
    o.endpoints[0]!.consecutivePasses = 1;
    expect(assessAwsReady(o, { requiredPasses: 1, now: NOW }).verdict).toBe('ready');
    // Counting passes with nothing wrong seen is "checking", never "not ready".
    expect(assessAwsReady(o, req)).toEqual({
      verdict: 'checking',
      reasons: ['health: 1/3 consecutive passes'],
    });
  });

  it('counting passes beside a real problem is not ready; beside an unknown it is unknown', () => {
    const o = healthy();
    o.endpoints[0]!.consecutivePasses = 1;
    o.alarms = [{ name: 'api-5xx', state: 'ALARM', seenAt: NOW }];
    expect(assessAwsReady(o, req).verdict).toBe('not-ready');
    o.alarms = [{ name: 'api-5xx', state: 'UNKNOWN', reason: 'throttled', seenAt: NOW }];
    expect(assessAwsReady(o, req).verdict).toBe('unknown');
  });

  it('a failing endpoint, a rolling or failed service and an alarm in ALARM are not ready, each named', () => {
    const o = healthy();
    o.endpoints[0] = {
      ...o.endpoints[0]!,
      ok: false,
      result: 'HTTP 503 (expected 200) in 4 ms',
      consecutivePasses: 0,
    };
    o.services.push({
      cluster: 'dev',
      service: 'worker',
      state: 'rolling',
      message: '1/2 running',
      seenAt: NOW,
    });
    o.services.push({
      cluster: 'dev',
      service: 'db',
      state: 'failed',
      message: 'tasks keep stopping',
      seenAt: NOW,
    });
    o.alarms[0] = { name: 'api-5xx', state: 'ALARM', reason: 'Threshold crossed', seenAt: NOW };
    const a = assessAwsReady(o, req);
    expect(a.verdict).toBe('not-ready');
    expect(a.reasons).toEqual([
      'dev/worker: rolling out (1/2 running)',
      'dev/db: tasks keep stopping',
      'health: HTTP 503 (expected 200) in 4 ms',
      'alarm api-5xx in ALARM: Threshold crossed',
    ]);
  });

  it('unknown is never ready: an unreadable service or alarm, an unmatched prefix, a stale observation', () => {
    const svc = healthy();
    svc.services[0] = { ...svc.services[0]!, state: 'unknown', message: 'credentials expired' };
    expect(assessAwsReady(svc, req)).toEqual({
      verdict: 'unknown',
      reasons: ['dev/api: unknown (credentials expired)'],
    });

    const alarm = healthy();
    alarm.alarms[0] = { name: 'api-5xx', state: 'UNKNOWN', reason: 'throttled', seenAt: NOW };
    expect(assessAwsReady(alarm, req)).toEqual({ verdict: 'unknown', reasons: ['alarm api-5xx: throttled'] });

    const prefix = { ...healthy(), unmatchedAlarmPrefixes: ['api-'] };
    expect(assessAwsReady(prefix, req)).toEqual({ verdict: 'unknown', reasons: ['no alarm matches api-'] });

    const old = healthy();
    old.endpoints[0]!.seenAt = NOW - 600_000;
    expect(assessAwsReady(old, { ...req, maxAgeMs: 300_000 })).toEqual({
      verdict: 'unknown',
      reasons: ['health: last seen 600 s ago'],
    });
    expect(assessAwsReady(old, req).verdict).toBe('ready');
  });

  it('unknown outranks not-ready, and every reason is kept', () => {
    const o = healthy();
    o.services[0]!.state = 'unknown';
    o.alarms[0]!.state = 'ALARM';
    const a = assessAwsReady(o, req);
    expect(a.verdict).toBe('unknown');
    expect(a.reasons).toHaveLength(2);
  });
});
