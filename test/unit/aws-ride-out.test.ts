/** The back-off and the transient/permanent split behind the AWS steps' riding out of blips (issue 22). */
import { describe, expect, test } from 'vitest';
import {
  AwsOutagePastBudget,
  AwsOutageRider,
  backoffMs,
  isTransientAwsError,
} from '../../main/core/aws/ride-out';
import { classifyAwsError } from '../../main/core/aws/errors';

describe('backoffMs', () => {
  test('full jitter under a ceiling that doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 500, 20_000, () => 1))).toEqual([
      500, 1000, 2000, 4000, 20_000,
    ]);
    expect(backoffMs(3, 500, 20_000, () => 0.25)).toBe(1000);
    expect(backoffMs(60, 500, 20_000, () => 0.5)).toBe(10_000);
  });
});

describe('transient or not', () => {
  test('a reset the SDK names TimeoutError is the network, not a timeout', () => {
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(classifyAwsError(reset)).toBe('network');
  });
  test('throttling, 5xx, resets and timeouts are transient; denied, expired and not-found are not', () => {
    const e = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });
    expect(isTransientAwsError(e('ThrottlingException'))).toBe(true);
    expect(isTransientAwsError(e('Throttling'))).toBe(true);
    expect(
      isTransientAwsError(e('InternalFailure', { $fault: 'server', $metadata: { httpStatusCode: 503 } })),
    ).toBe(true);
    expect(isTransientAwsError(e('Error', { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientAwsError(e('TimeoutError'))).toBe(true);
    expect(isTransientAwsError(e('AccessDeniedException'))).toBe(false);
    expect(isTransientAwsError(e('ExpiredTokenException'))).toBe(false);
    expect(isTransientAwsError(e('ClusterNotFoundException'))).toBe(false);
  });
});

describe('AwsOutageRider', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  test('waits out failures on a virtual clock, reports once per period, and says when AWS answers again', async () => {
    let t = 0;
    const lines: string[] = [];
    const rider = new AwsOutageRider({
      deadline: 300_000,
      signal: new AbortController().signal,
      log: (l) => lines.push(l),
      now: () => t,
      random: () => 1,
      sleep: async (ms) => void (t += ms),
    });
    let calls = 0;
    const value = await rider.call(async () => {
      if (++calls <= 5) throw throttled();
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(6);
    expect(t).toBe(500 + 1000 + 2000 + 4000 + 8000);
    // Reported at the first failure (the next ones fall inside the 10 s reporting period), then the recovery.
    expect(lines).toEqual([
      'AWS throttled for 0ms (ThrottlingException), still waiting (budget 5m left)',
      'AWS answered again after 15.5s',
    ]);
  });

  test('past the deadline it throws the last error with how long the outage lasted; others at once', async () => {
    let t = 0;
    const o = {
      deadline: 3000,
      signal: new AbortController().signal,
      log: () => undefined,
      now: () => t,
      random: () => 1,
      sleep: async (ms: number) => void (t += ms),
    };
    const err = await new AwsOutageRider(o).call(() => Promise.reject(throttled())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsOutagePastBudget);
    expect((err as AwsOutagePastBudget).message).toBe(
      "AWS throttled for 1.5s until the step's budget was spent",
    );
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    t = 0;
    await expect(new AwsOutageRider(o).call(() => Promise.reject(denied))).rejects.toBe(denied);
  });
});
