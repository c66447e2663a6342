/**
 * Which Kubernetes API failures are worth waiting out during a rollout: throttling (429), server errors (5xx)
 * and a connection that was refused, reset or timed out say nothing about the rollout itself. The rollout
 * watch rides them out with the same AwsOutageRider the AWS steps use. A refusal from an API server on this
 * machine is not a blip: the cluster (kind, minikube, a tunnel) is not running, and the step fails at once.
 */
import type { AwsErrorKind } from '../aws/errors';
import { AwsOutageRider, type RideOutOptions } from '../aws/ride-out';
import { isLoopbackHost } from '../units/loopback-host';

const NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET)$/;

/** Whether the API server's URL names this machine. */
function serverOnThisMachine(server: string | undefined): boolean {
  try {
    return server !== undefined && isLoopbackHost(new URL(server).hostname);
  } catch {
    return false;
  }
}

/**
 * Classifies a @kubernetes/client-node failure in the rider's terms (anything else is not transient); `server`:
 * the API server's URL, whose refusal on this machine is `local-refused`.
 */
export function classifyKubeError(err: unknown, server?: string): AwsErrorKind {
  const e = (err ?? {}) as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown } };
  if (typeof e.code === 'number') {
    if (e.code === 429) return 'throttled';
    return e.code >= 500 ? 'server' : 'other';
  }
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  if (code === 'ETIMEDOUT' || e.name === 'TimeoutError' || /timed? ?out/i.test(e.message ?? ''))
    return 'timeout';
  const refused = code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '');
  if (refused && serverOnThisMachine(server)) return 'local-refused';
  if (NETWORK.test(code) || /socket hang up|ECONNRESET|ECONNREFUSED|other side closed/i.test(e.message ?? ''))
    return 'network';
  return 'other';
}

/** A rider for the Kubernetes API server's blips within a step's budget (`server`: its URL). */
export const kubeOutageRider = (
  o: Omit<RideOutOptions, 'classify' | 'service'> & { server?: string },
): AwsOutageRider => {
  const { server, ...rest } = o;
  return new AwsOutageRider({
    ...rest,
    classify: (err) => classifyKubeError(err, server),
    service: 'The Kubernetes API server',
  });
};
