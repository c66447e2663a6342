/**
 * What every AWS step kind shares: the clients (the composition root's, or built from offload.yml's `aws:`
 * for one step), a failed result that explains an AWS error in plain words, and an abortable sleep.
 */
import type { StepContext, StepResult } from '../vocabulary';
import { createAwsClients, type AwsClients } from './clients';
import { parseAwsConfig } from './config';
import { explainAwsError } from './errors';

/** Gets the shared clients or builds them for this step (released when the step ends). */
export async function withClients<T>(ctx: StepContext, fn: (c: AwsClients) => Promise<T>): Promise<T> {
  const shared = ctx.services.aws;
  if (shared) return fn(shared);
  const config = ctx.services.config;
  const clients = createAwsClients(config?.aws ?? parseAwsConfig(undefined), { ...process.env, ...ctx.env });
  try {
    return await fn(clients);
  } finally {
    clients.destroy();
  }
}

/** A failed attempt that explains an AWS error in plain words (profile and region from `aws:`); a cancel rethrows. */
export function awsFailure(ctx: StepContext, err: unknown, action: string, resource?: string): StepResult {
  if (ctx.signal.aborted) throw err;
  const aws = ctx.services.config?.aws ?? parseAwsConfig(undefined);
  return {
    status: 'failed',
    summary: explainAwsError(err, {
      action,
      profile: aws.profile,
      region: aws.region,
      ...(resource === undefined ? {} : { resource }),
    }),
  };
}

/** Waits `ms`, or rejects at once when the step is cancelled. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
