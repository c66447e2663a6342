/**
 * Acknowledging phase 6: after a transient alarm or error whose cause is resolved, the user says so and the
 * quiet period starts again from that moment, without a redeploy of unchanged code. The acknowledgement is
 * kept beside the deployments (read by every process on the project) and written to the journal.
 */
import type { Phase6Ack, Phase6Status, StateStorage } from './index';

/** The state file holding the latest acknowledgement. */
const FILE = 'phase6-ack';

/** Who acknowledged: the CLI (`offload errors --ack`), the tray or the status window. */
export type Phase6AckBy = 'cli' | 'tray' | 'window';

/** The latest acknowledgement, if any (a file from another version or a hand edit reads as none). */
export function readPhase6Ack(storage: Pick<StateStorage, 'readState'>): Phase6Ack | undefined {
  const a = storage.readState<{ version: 1; runId?: unknown; at?: unknown }>(FILE);
  return a?.version === 1 && typeof a.runId === 'string' && typeof a.at === 'string'
    ? { runId: a.runId, at: a.at }
    : undefined;
}

export function writePhase6Ack(storage: StateStorage, ack: Phase6Ack): void {
  storage.writeState(FILE, { version: 1, ...ack });
}

/**
 * Why an acknowledgement is refused now, or undefined: only an unstable deployment has a cause to resolve,
 * and an alarm still in ALARM is not resolved.
 */
export function ackRefusal(p: Phase6Status, firingAlarms: readonly string[]): string | undefined {
  if (p.status !== 'unstable')
    return p.status === 'idle'
      ? 'nothing is deployed yet: there is nothing to acknowledge'
      : `phase 6 is ${p.status}, not unstable: there is nothing to acknowledge`;
  if (firingAlarms.length)
    return `${firingAlarms.length === 1 ? 'alarm' : 'alarms'} ${firingAlarms.join(', ')} still in ALARM: acknowledge once the cause is resolved`;
  return undefined;
}
