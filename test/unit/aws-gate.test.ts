// The AWS-ready gate over rounds: pass counting and transitions, driven by fake observations (no AWS).
import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../main/core/aws/config';
import { AwsGate, initialGate } from '../../main/core/aws/gate';
import type { AwsObservation } from '../../main/core/aws/observer';

const config: GateConfig = {
  services: [],
  endpoints: [{ name: 'api', url: 'http://x/health', status: [200], timeoutMs: 1000 }],
  alarms: { names: ['api-5xx'], prefixes: [] },
  consecutivePasses: 2,
  intervalMs: 1000,
  policy: 'auto',
  backToLocalAfterMs: 60_000,
};
const round = (ok: boolean, alarm: 'OK' | 'ALARM' = 'OK'): AwsObservation => ({
  services: { states: [] },
  endpoints: [
    { endpoint: config.endpoints[0]!, check: { ok, result: ok ? 'HTTP 200 in 3 ms' : 'HTTP 503' } },
  ],
  alarms: {
    alarms: [
      { name: 'api-5xx', state: alarm },
      { name: 'other', state: 'ALARM' },
    ],
  },
});

describe('AwsGate', () => {
  it('opens only after N consecutive passes; a failure resets the count and closes it', () => {
    const gate = new AwsGate(config, 2);
    expect(gate.current).toBe('checking');
    const r1 = gate.judge(round(true), 1);
    expect(r1.endpoints[0]).toMatchObject({ status: 'running', consecutivePasses: 1, required: 2 });
    // Counting the first passes with nothing wrong seen: checking, not "not ready".
    expect(r1.poll).toMatchObject({ from: 'checking', to: 'checking' });
    expect(r1.poll.reason).toBe('api: 1/2 consecutive passes');
    expect(r1.crossedReady).toBe(false);
    const r2 = gate.judge(round(true), 2);
    expect(r2.poll).toMatchObject({
      from: 'checking',
      to: 'ready',
      reason: 'every service stable, every endpoint passing, no alarm in ALARM',
    });
    expect(r2.crossedReady).toBe(true);
    // Only the gate's own alarms are evidence.
    expect(r2.poll.evidence.alarms).toEqual([{ name: 'api-5xx', state: 'OK' }]);
    expect(gate.judge(round(true), 3).crossedReady).toBe(false);
    const r4 = gate.judge(round(false), 4);
    expect(r4.endpoints[0]).toMatchObject({ status: 'failed', consecutivePasses: 0, lastResult: 'HTTP 503' });
    expect(r4.poll.from).toBe('ready');
    expect(r4.poll.to).not.toBe('ready');
    expect(r4.crossedReady).toBe(true);
    expect(gate.judge(round(true), 5).poll.to).not.toBe('ready');
  });

  it('an alarm of the gate in ALARM keeps it closed despite passing endpoints', () => {
    const gate = new AwsGate(config, 1);
    const r = gate.judge(round(true, 'ALARM'), 1);
    expect(r.poll.to).toBe('not-ready');
    expect(r.poll.reason).toContain('api-5xx');
  });

  it('without a gate configured it stays disabled and never crosses ready', () => {
    const none: GateConfig = { ...config, endpoints: [], alarms: { names: [], prefixes: [] } };
    expect(initialGate(none, 2)).toMatchObject({ gate: 'disabled' });
    const gate = new AwsGate(none, 2);
    const r = gate.judge({ services: { states: [] }, endpoints: [], alarms: { alarms: [] } }, 1);
    expect(r.poll).toMatchObject({
      from: 'disabled',
      to: 'disabled',
      reason:
        'offload.yml configures no gate (services, endpoints or alarms), so nothing says AWS is ready: add gate.endpoints (health URLs), gate.services or gate.alarms',
    });
    expect(r.crossedReady).toBe(false);
  });
});
