/**
 * "AWS ready", decided in one place as a pure function of what was observed: services, endpoint checks and
 * alarms, each with when it was seen. Anything unknown (an API that could not be asked, an alarm in an
 * unknown state, an observation too old to trust) is never ready.
 */
import type { AwsAlarmState, AwsEndpointState, AwsServiceState, AwsSnapshot } from '../vocabulary';

/**
 * `checking`: everything seen is healthy and the endpoints are still counting their consecutive passes (not
 * yet ready, but nothing is wrong). `unknown`: AWS could not be seen (throttled, unreachable, credentials,
 * too old) — its own state, never ready and never "not ready".
 */
export type GateVerdict = 'ready' | 'checking' | 'not-ready' | 'unknown' | 'disabled';

export interface ServiceObservation {
  cluster: string;
  service: string;
  /** 'unknown' when the service could not be described (the reason says why). */
  state: 'stable' | 'rolling' | 'failed' | 'unknown';
  message?: string;
  seenAt: number;
}

export interface EndpointObservation {
  name: string;
  ok: boolean;
  /** One line: "HTTP 200 in 12 ms", "unreachable: ECONNREFUSED". */
  result: string;
  /** Passes in a row up to and including this check. */
  consecutivePasses: number;
  seenAt: number;
}

export interface AlarmObservation {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'UNKNOWN';
  reason?: string;
  seenAt: number;
}

export interface GateObservations {
  /** Whether offload.yml configures a gate at all (services, endpoints or alarms). */
  configured: boolean;
  services: ServiceObservation[];
  endpoints: EndpointObservation[];
  /** The gate's alarms as seen (an alarm that could not be read is state UNKNOWN with the reason). */
  alarms: AlarmObservation[];
  /** Alarm-name prefixes of the gate that matched no alarm at all. */
  unmatchedAlarmPrefixes: string[];
  /** Set when nothing was asked (an untrusted project): why, and what the user can do. */
  notAsked?: string;
}

export interface GateRequirements {
  /**
   * Passes in a row each endpoint needs. The continuous watch asks for `gate.consecutive-passes`; a one-shot
   * check reports what one round proves, so it asks for 1.
   */
  requiredPasses: number;
  /** Observations older than this are not evidence (default: no limit). */
  maxAgeMs?: number;
  now: number;
}

export interface GateAssessment {
  verdict: GateVerdict;
  /** Why it is not ready, one entry per cause; empty when ready. */
  reasons: string[];
}

/** Decides whether AWS is ready from observations alone. */
export function assessAwsReady(obs: GateObservations, req: GateRequirements): GateAssessment {
  if (!obs.configured) return { verdict: 'disabled', reasons: [] };
  // Nothing observed is nothing known: unknown, never ready, whatever the (empty) observations say.
  if (obs.notAsked !== undefined) return { verdict: 'unknown', reasons: [obs.notAsked] };
  const notReady: string[] = [];
  const unknown: string[] = [];
  const counting: string[] = [];
  const stale = (seenAt: number) => req.maxAgeMs !== undefined && req.now - seenAt > req.maxAgeMs;
  const age = (seenAt: number) => `last seen ${Math.round((req.now - seenAt) / 1000)} s ago`;

  for (const s of obs.services) {
    const what = `${s.cluster}/${s.service}`;
    if (s.state === 'unknown') unknown.push(`${what}: unknown${s.message ? ` (${s.message})` : ''}`);
    else if (stale(s.seenAt)) unknown.push(`${what}: ${age(s.seenAt)}`);
    else if (s.state === 'rolling')
      notReady.push(`${what}: rolling out${s.message ? ` (${s.message})` : ''}`);
    else if (s.state === 'failed') notReady.push(`${what}: ${s.message ?? 'not stable'}`);
  }
  for (const e of obs.endpoints) {
    if (stale(e.seenAt)) unknown.push(`${e.name}: ${age(e.seenAt)}`);
    else if (!e.ok) notReady.push(`${e.name}: ${e.result}`);
    else if (e.consecutivePasses < req.requiredPasses)
      counting.push(`${e.name}: ${e.consecutivePasses}/${req.requiredPasses} consecutive passes`);
  }
  for (const a of obs.alarms) {
    if (a.state === 'UNKNOWN') unknown.push(`alarm ${a.name}: ${a.reason ?? 'state unknown'}`);
    else if (stale(a.seenAt)) unknown.push(`alarm ${a.name}: ${age(a.seenAt)}`);
    else if (a.state === 'ALARM') notReady.push(`alarm ${a.name} in ALARM${a.reason ? `: ${a.reason}` : ''}`);
  }
  for (const p of obs.unmatchedAlarmPrefixes) unknown.push(`no alarm matches ${p}`);

  const reasons = [...unknown, ...notReady, ...counting];
  if (reasons.length === 0) return { verdict: 'ready', reasons };
  return {
    verdict: unknown.length ? 'unknown' : notReady.length ? 'not-ready' : 'checking',
    reasons,
  };
}

/** A poll's outcome for the gate: the verdict before and after, why, and the evidence it rests on. */
export interface GatePoll {
  from: AwsSnapshot['gate'];
  to: AwsSnapshot['gate'];
  reason: string;
  evidence: { services: AwsServiceState[]; endpoints: AwsEndpointState[]; alarms: AwsAlarmState[] };
}

/** Where gate polls come from (the AWS watch). */
export interface GatePollSource {
  onGatePoll(listener: (poll: GatePoll) => Promise<void> | void): () => void;
}
