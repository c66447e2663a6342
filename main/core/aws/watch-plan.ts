/**
 * The AWS watch's decisions, pure: what it asks and how often (from the config), the snapshot a round leaves,
 * and the journal entry a round is worth. The watch (watch.ts) wires the observer, the gate, the notices and
 * the publisher around these.
 */
import type { GateConfig } from './config';
import { gateConfigured } from './config';
import type { NotifyConfig } from '../notify/config';
import type { ProjectEventData } from '../history/project-events';
import type { AwsSnapshot } from '../vocabulary';
import type { GateRound } from './gate';
import type { AwsObservation } from './observer';

/** What the watch asks and how often. */
export interface WatchPlan {
  /** Passes an endpoint needs: one for a one-shot check, `consecutive-passes` for the continuous watch. */
  requiredPasses: number;
  /** Whether offload.yml configures a gate. */
  gateOn: boolean;
  /** The alarms of the gate and of the notices together, each once. */
  alarms: { names: string[]; prefixes: string[] };
  /** Whether any AWS call is needed (services, alarms, log groups); without it nor a gate, nothing polls. */
  needsAws: boolean;
  /** One round serves both the gate and the notices: the shorter of their intervals. */
  intervalMs: number;
}

/** The watch's plan from the `gate:` and `notify:` sections. */
export function watchPlan(sections: { gate: GateConfig; notify: NotifyConfig }, oneShot: boolean): WatchPlan {
  const { gate, notify } = sections;
  const alarms = {
    names: [...new Set([...gate.alarms.names, ...notify.alarms.names])],
    prefixes: [...new Set([...gate.alarms.prefixes, ...notify.alarms.prefixes])],
  };
  return {
    requiredPasses: oneShot ? 1 : gate.consecutivePasses,
    gateOn: gateConfigured(gate),
    alarms,
    needsAws:
      gate.services.length + alarms.names.length + alarms.prefixes.length + notify.logGroups.length > 0,
    intervalMs: Math.min(gate.intervalMs, notify.intervalMs),
  };
}

/**
 * The snapshot after a round: the gate's verdict, what was seen, the recent error lines, and why CloudWatch
 * could not be read (the log problem first, then the alarms').
 */
export function roundSnapshot(
  seen: AwsObservation,
  judged: Pick<GateRound, 'poll' | 'endpoints'>,
  o: {
    seenAt: number;
    recentErrors: AwsSnapshot['recentErrors'];
    logProblem?: string;
    configTarget: AwsSnapshot['configTarget'];
  },
): AwsSnapshot {
  const blind = o.logProblem || seen.alarms.unknown ? (o.logProblem ?? seen.alarms.unknown) : undefined;
  return {
    gate: judged.poll.to,
    reason: judged.poll.reason,
    checkedAt: new Date(o.seenAt).toISOString(),
    services: seen.services.states,
    endpoints: judged.endpoints,
    alarms: seen.alarms.alarms,
    recentErrors: o.recentErrors,
    ...(blind !== undefined ? { cloudwatchBlind: blind } : {}),
    configTarget: o.configTarget,
  };
}

/** The journal entry of a round: only when the gate crossed ready, and only in the continuous watch. */
export function gateCrossing(judged: GateRound, oneShot: boolean): ProjectEventData<'aws-gate'> | undefined {
  if (!judged.crossedReady || oneShot) return undefined;
  const { poll } = judged;
  return { from: poll.from, to: poll.to, reason: poll.reason, evidence: poll.evidence };
}
