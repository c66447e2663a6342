/**
 * Trust gates availability: an untrusted project is observed, never obeyed, so every entry point its gates
 * would allow is blocked with the reason and what to do. A pure function of the gates' answer and the trust.
 */
import type { TrustStatus } from '../trust';
import type { WorkflowAvailability } from '../vocabulary';

/** Why a workflow of an untrusted project is blocked. */
export function untrustedReason(status: Extract<TrustStatus, { trusted: false }>): string {
  return status.reason === 'changed'
    ? 'offload.yml changed what it runs since you trusted it: review and trust it again'
    : 'this project is not trusted yet: review what it runs and trust it';
}

/** The gates' availability as the user may act on it (unchanged when trusted or without a trust state). */
export function gateByTrust(
  workflows: readonly WorkflowAvailability[],
  trust: TrustStatus | null,
): WorkflowAvailability[] {
  if (!trust || trust.trusted) return [...workflows];
  return workflows.map((w) => (w.allowed ? { ...w, allowed: false, reason: untrustedReason(trust) } : w));
}
