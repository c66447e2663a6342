/**
 * A `load-test` spec turned into a runnable plan, or the reason it cannot run: the caps and the bounds are
 * checked again here for specs that did not come through offload.yml's schema.
 */
import { durationMs, parseDuration } from '../units';
import { LOAD_CAPS, RATE_PATTERN, type LoadTestSpec, type TargetSpec } from './spec';
import type { LoadPlan, LoadTarget } from './run';

/** The spec as a runnable plan, or why it cannot run (the schema catches these first in offload.yml). */
export function planOf(spec: LoadTestSpec): LoadPlan | string {
  const raw: TargetSpec[] =
    spec.targets ??
    (spec.url ? [{ url: spec.url, method: spec.method, headers: spec.headers, body: spec.body }] : []);
  if (raw.length === 0) return 'no url or targets to load';
  if (spec.duration === undefined && spec.requests === undefined)
    return 'refused: an unbounded load test (give `duration` or `requests`)';
  const targets: LoadTarget[] = [];
  for (const t of raw) {
    try {
      const u = new URL(t.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return `invalid URL "${t.url}": expected http:// or https://`;
    }
    const headers = { ...(t.headers ?? {}) };
    let body: string | undefined;
    if (t.body !== undefined) {
      if (typeof t.body === 'string') body = t.body;
      else {
        body = JSON.stringify(t.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
    }
    targets.push({
      url: t.url,
      method: (t.method ?? (body ? 'POST' : 'GET')).toUpperCase(),
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }
  const durationMsValue = spec.duration === undefined ? undefined : parseDuration(spec.duration);
  if (spec.duration !== undefined && (durationMsValue === undefined || durationMsValue <= 0))
    return `duration ${JSON.stringify(spec.duration)} must be a positive duration`;
  if (durationMsValue !== undefined && durationMsValue > LOAD_CAPS.durationMs)
    return `refused: duration ${spec.duration} is over the cap of 1h for a load test`;
  if (spec.requests !== undefined && (spec.requests < 1 || spec.requests > LOAD_CAPS.requests))
    return `refused: requests must be between 1 and ${LOAD_CAPS.requests}`;
  const rate = parseRate(spec.rate);
  if (spec.rate !== undefined && rate === undefined)
    return `rate ${JSON.stringify(spec.rate)} is not a rate (use "50/s", "600/m" or a number per second)`;
  if (rate !== undefined && (rate < 1 || rate > LOAD_CAPS.rate))
    return `refused: rate ${spec.rate} is outside 1/s … ${LOAD_CAPS.rate}/s`;
  const connections = spec.connections ?? (rate !== undefined ? Math.min(10, Math.max(1, rate)) : 10);
  if (connections > LOAD_CAPS.connections) return `refused: connections over ${LOAD_CAPS.connections}`;
  return {
    targets,
    ...(rate !== undefined ? { rate } : {}),
    connections,
    ...(durationMsValue !== undefined && spec.requests === undefined ? { durationMs: durationMsValue } : {}),
    ...(spec.requests !== undefined ? { requests: spec.requests } : {}),
    timeoutMs: durationMs(spec.timeout, 10_000, 'timeout'),
    ...(spec.status ? { okStatus: spec.status } : {}),
  };
}

/** Requests per second of `50/s`, `600/m` or a number (per second); undefined when absent or invalid. */
export function parseRate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = new RegExp(RATE_PATTERN).exec(v);
  if (!m) return undefined;
  const n = Number(/\d+/.exec(v)![0]);
  return m[1]!.startsWith('m') ? Math.max(1, Math.round(n / 60)) : n;
}
