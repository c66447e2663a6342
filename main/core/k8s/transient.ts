/**
 * Which Kubernetes API failures are worth waiting out during a rollout: throttling (429), server errors (5xx)
 * and a connection that was refused, reset or timed out say nothing about the rollout itself. The rollout
 * watch rides them out with the same AwsOutageRider the AWS steps use.
 */
import type { AwsErrorKind } from '../aws/errors';
import { AwsOutageRider, type RideOutOptions } from '../aws/ride-out';

const NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET)$/;

/** Classifies a @kubernetes/client-node failure in the rider's terms (anything else is not transient). */
export function classifyKubeError(err: unknown): AwsErrorKind {
  const e = (err ?? {}) as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } };
  if (typeof e.code === 'number') {
    if (e.code === 429) return 'throttled';
    return e.code >= 500 ? 'server' : 'other';
  }
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  if (code === 'ETIMEDOUT' || e.name === 'TimeoutError' || /timed? ?out/i.test(e.message ?? ''))
    return 'timeout';
  if (NETWORK.test(code) || /socket hang up|ECONNRESET|ECONNREFUSED|other side closed/i.test(e.message ?? ''))
    return 'network';
  return 'other';
}

/** A rider for the Kubernetes API server's blips within a step's budget. */
export const kubeOutageRider = (o: Omit<RideOutOptions, 'classify' | 'service'>): AwsOutageRider =>
  new AwsOutageRider({ ...o, classify: classifyKubeError, service: 'The Kubernetes API server' });
