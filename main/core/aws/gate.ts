/**
 * The AWS-ready gate over time: counts each endpoint's consecutive passes, turns one round of observations
 * into the pure verdict (assessAwsReady), and remembers the last verdict so a round knows its transition.
 * No I/O: the watch feeds it observations and acts on what it returns.
 */
import { assessAwsReady, type GateObservations, type GatePoll } from '../rule/aws-ready';
import type { AwsEndpointState, AwsSnapshot } from '../vocabulary';
import { gateConfigured, type GateConfig } from './config';
import type { AwsObservation } from './observer';

/** What the gate says after one round. */
export interface GateRound {
  /** The round as the rule sees it: from, to, reason, evidence. */
  poll: GatePoll;
  endpoints: AwsEndpointState[];
  /** Whether the gate crossed ready (opened or closed) in this round: worth a journal entry. */
  crossedReady: boolean;
}

/** The gate state before any round. */
export function initialGate(
  gate: GateConfig,
  requiredPasses: number,
): Pick<AwsSnapshot, 'gate' | 'reason' | 'services' | 'endpoints'> {
  const on = gateConfigured(gate);
  return {
    gate: on ? 'checking' : 'disabled',
    reason: on
      ? 'not checked yet'
      : 'offload.yml configures no gate (services, endpoints or alarms), so nothing says AWS is ready: add gate.endpoints (health URLs), gate.services or gate.alarms',
    services: gate.services.map((s) => ({ cluster: s.cluster, service: s.service, status: 'pending' })),
    endpoints: gate.endpoints.map((e) => ({
      name: e.name,
      url: e.url,
      status: 'pending',
      consecutivePasses: 0,
      required: requiredPasses,
    })),
  };
}

/** Pass counting and transitions of the AWS-ready gate. */
export class AwsGate {
  private readonly passes = new Map<string, number>();
  private last: AwsSnapshot['gate'];
  private readonly configured: boolean;

  /** `requiredPasses`: consecutive passes an endpoint needs (1 for a one-shot check). */
  constructor(
    private readonly gate: GateConfig,
    private readonly requiredPasses: number,
  ) {
    this.configured = gateConfigured(gate);
    this.last = this.configured ? 'checking' : 'disabled';
  }

  /** The verdict before this round (`checking` until the first, `disabled` without a gate). */
  get current(): AwsSnapshot['gate'] {
    return this.last;
  }

  /** One round: counts passes (a failure resets), judges, and moves the gate on. */
  judge(o: AwsObservation, seenAt: number): GateRound {
    const { gate, requiredPasses } = this;
    const endpoints: AwsEndpointState[] = o.endpoints.map(({ endpoint: e, check: r }) => {
      const n = r.ok ? (this.passes.get(e.name) ?? 0) + 1 : 0;
      this.passes.set(e.name, n);
      return {
        name: e.name,
        url: r.url ?? e.url,
        // Not requested (untrusted) is pending, not failed: nothing is known about it.
        status: o.untrusted ? 'pending' : !r.ok ? 'failed' : n >= requiredPasses ? 'passed' : 'running',
        consecutivePasses: n,
        required: requiredPasses,
        lastResult: r.result,
      };
    });
    const gateAlarmNames = new Set(gate.alarms.names);
    const gateAlarms = o.alarms.alarms.filter(
      (a) =>
        gateAlarmNames.has(a.name) ||
        gate.alarms.prefixes.some((p) => a.name.startsWith(p) || a.name === `${p}*`),
    );
    const svc = o.services;
    const observations: GateObservations = {
      configured: this.configured,
      services: svc.states.map((s) => ({
        cluster: s.cluster,
        service: s.service,
        state: svc.unknown
          ? 'unknown'
          : s.status === 'passed'
            ? 'stable'
            : s.status === 'running'
              ? 'rolling'
              : 'failed',
        message: svc.unknown ?? s.message,
        seenAt,
      })),
      endpoints: endpoints.map((e) => ({
        name: e.name,
        ok: e.status !== 'failed',
        result: e.lastResult ?? '',
        consecutivePasses: e.consecutivePasses,
        seenAt,
      })),
      alarms: gateAlarms.map((a) => ({ name: a.name, state: a.state, reason: a.reason, seenAt })),
      unmatchedAlarmPrefixes:
        o.alarms.unknown || gateAlarms.length ? [] : gate.alarms.prefixes.map((p) => `${p}*`),
      ...(o.untrusted !== undefined ? { notAsked: o.untrusted } : {}),
    };
    const verdict = assessAwsReady(observations, { requiredPasses, now: seenAt });
    const to = verdict.verdict;
    const reason = this.configured
      ? verdict.reasons.length
        ? verdict.reasons.join('; ')
        : 'every service stable, every endpoint passing, no alarm in ALARM'
      : initialGate(gate, requiredPasses).reason;
    const from = this.last;
    this.last = to;
    return {
      poll: {
        from,
        to,
        reason: reason ?? '',
        evidence: { services: svc.states, endpoints, alarms: gateAlarms },
      },
      endpoints,
      crossedReady: this.configured && (to === 'ready') !== (from === 'ready'),
    };
  }
}

/**
 * An observation older than `maxAgeMs` is not evidence (a hung poll, a stalled watch): the gate it shows is
 * unknown, saying how old it is. `observedAt` is the last round's time, or the watch's start before any.
 */
export function staleAsUnknown<S extends Pick<AwsSnapshot, 'gate' | 'reason' | 'checkedAt'>>(
  snap: S,
  o: { now: number; maxAgeMs: number; startedAt?: number },
): S {
  if (snap.gate === 'disabled') return snap;
  const at = snap.checkedAt ? Date.parse(snap.checkedAt) : o.startedAt;
  if (at === undefined || !Number.isFinite(at) || o.now - at <= o.maxAgeMs) return snap;
  const age = Math.round((o.now - at) / 1000);
  return {
    ...snap,
    gate: 'unknown',
    reason: snap.checkedAt
      ? `last seen ${age} s ago (the watch's poll has not come back); was ${snap.gate}${snap.reason ? `: ${snap.reason}` : ''}`
      : `not seen yet ${age} s after the watch started (the first poll has not come back)`,
  };
}

/** How old an observation may be before it is unknown: about two poll intervals (a poll may take a while). */
export const staleAfterMs = (intervalMs: number): number => 2 * intervalMs + Math.min(intervalMs / 2, 5_000);
