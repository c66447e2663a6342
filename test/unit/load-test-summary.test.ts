// The load test's summary and verdict (summary.ts), driven by fake stats: the outputs and the table, and each
// threshold broken named in words, without a server or a load.
import { describe, expect, it } from 'vitest';
import { LatencyHistogram, type LoadStats } from '../../main/core/load-test/run';
import { brokenThresholds, fmtMs, summaryOf } from '../../main/core/load-test/summary';

/** Stats of one target: `ok` responses with status 200, `bad` with 500, each latency in `ms`. */
function stats(o: {
  label?: string;
  ok: number;
  bad?: number;
  refused?: number;
  ms: number[];
  secs?: number;
}) {
  const latency = new LatencyHistogram();
  for (const m of o.ms) latency.record(m);
  const bad = o.bad ?? 0;
  const refused = o.refused ?? 0;
  const s: LoadStats = {
    label: o.label ?? 'GET http://x/',
    requests: o.ok + bad + refused,
    responses: o.ok + bad,
    errors: bad + refused,
    statuses: new Map([...(o.ok ? [[200, o.ok] as const] : []), ...(bad ? [[500, bad] as const] : [])]),
    failures: new Map(refused ? [['ECONNREFUSED', refused] as const] : []),
    latency,
    durationMs: (o.secs ?? 10) * 1000,
  };
  return s;
}

describe('summaryOf', () => {
  it('gives the outputs, the headline and one table row for one target', () => {
    const s = summaryOf([stats({ ok: 98, bad: 2, ms: [5, 5, 5, 100] })]);
    expect(s.outputs).toMatchObject({ requests: '100', rps: '10.0', errors: '2', 'error-rate': '2.00' });
    expect(s.outputs.statuses).toBe('200:98,500:2');
    expect(s.headline).toMatch(/^100 requests, 10\.0\/s, p95 100ms, errors 2\.00%$/);
    expect(s.lines).toHaveLength(3);
    expect(s.lines[0]).toMatch(/^target\s+requests\s+rps\s+p50\s+p95\s+p99\s+max\s+errors\n$/);
    expect(s.lines[2]).toBe('status codes: 200 × 98, 500 × 2\n');
  });

  it('adds a total row when there are several targets, and names connection errors', () => {
    const s = summaryOf([
      stats({ label: 'a', ok: 10, ms: [1] }),
      stats({ label: 'b', ok: 0, refused: 3, ms: [] }),
    ]);
    expect(s.lines.map((l) => l.split(/\s+/)[0])).toEqual(['target', 'a', 'b', 'total', 'status']);
    expect(s.failures).toBe('ECONNREFUSED × 3');
    expect(s.lines.at(-1)).toBe('status codes: 200 × 10; connection errors: ECONNREFUSED × 3\n');
  });
});

describe('brokenThresholds', () => {
  it('passes a clean run under the default 1% errors', () => {
    expect(brokenThresholds({}, summaryOf([stats({ ok: 100, ms: [5] })]))).toEqual([]);
  });

  it('names no request and no response at all', () => {
    expect(brokenThresholds({}, summaryOf([stats({ ok: 0, ms: [] })]))).toEqual(['no request completed']);
    expect(brokenThresholds({}, summaryOf([stats({ ok: 0, refused: 4, ms: [] })]))).toEqual([
      'no response at all (ECONNREFUSED × 4)',
      'errors 100.00% > 1% (ECONNREFUSED × 4)',
    ]);
  });

  it('names the error rate over the threshold with the statuses that are not a success', () => {
    const s = summaryOf([stats({ ok: 95, bad: 5, ms: [5] })]);
    expect(brokenThresholds({ thresholds: { errors: '10%' } }, s)).toEqual([]);
    expect(brokenThresholds({ thresholds: { errors: '2%' } }, s)).toEqual(['errors 5.00% > 2% (500 × 5)']);
    // 500 counted as a success by `status:` is not named as the cause.
    expect(brokenThresholds({ status: [200, 500], thresholds: { errors: 2 } }, s)).toEqual([
      'errors 5.00% > 2% ()',
    ]);
  });

  it('names each latency over its limit, and a rate under min-rps', () => {
    const s = summaryOf([stats({ ok: 10, ms: [10, 20, 30, 40, 50, 60, 70, 80, 90, 1500], secs: 5 })]);
    expect(brokenThresholds({ thresholds: { p50: '1s', p99: '500ms', max: 2000, 'min-rps': 5 } }, s)).toEqual(
      ['p99 1.50s > 500ms', 'achieved 2.0 requests/s < min-rps 5'],
    );
  });
});

describe('fmtMs', () => {
  it('writes latencies for people', () => {
    expect([fmtMs(undefined), fmtMs(4.24), fmtMs(180.4), fmtMs(1250)]).toEqual([
      '—',
      '4.2ms',
      '180ms',
      '1.25s',
    ]);
  });
});
