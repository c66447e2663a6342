/**
 * What every AWS step kind shares: the clients (the composition root's, or built from offload.yml's `aws:`
 * for one step), a failed result that explains an AWS error in plain words, and an abortable sleep.
 */
import type { StepContext, StepResult } from '../vocabulary';
import { stepEffects } from '../boundary';
import type { AwsClients } from './clients';
import { parseAwsConfig } from './config';
import { awsCliFlags, explainAwsError } from './errors';
import { AwsOutagePastBudget } from './ride-out';

/** Gets the shared clients or builds them for this step (released when the step ends). */
export async function withClients<T>(ctx: StepContext, fn: (c: AwsClients) => Promise<T>): Promise<T> {
  const shared = ctx.services.aws;
  if (shared) return fn(shared);
  const config = ctx.services.config;
  const clients = stepEffects(ctx.services).awsClients(config?.aws ?? parseAwsConfig(undefined), {
    ...process.env,
    ...ctx.env,
  });
  try {
    return await fn(clients);
  } finally {
    clients.destroy();
  }
}

/** A failed attempt that explains an AWS error in plain words (profile and region from `aws:`); a cancel rethrows. */
export function awsFailure(
  ctx: StepContext,
  err: unknown,
  action: string,
  resource?: string,
  /** What goes on in AWS meanwhile, said when an outage outlasted the budget ("the rollout goes on"). */
  ongoing?: string,
): StepResult {
  if (ctx.signal.aborted) throw err;
  const aws = ctx.services.config?.aws ?? parseAwsConfig(undefined);
  const outage = err instanceof AwsOutagePastBudget ? err : undefined;
  const explained = explainAwsError(outage ? outage.last : err, {
    action,
    profile: aws.profile ?? ctx.services.aws?.profile,
    region: aws.region ?? ctx.services.aws?.region,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(resource === undefined ? {} : { resource }),
    step: true,
  });
  return {
    status: 'failed',
    summary: outage ? `${outage.message}: ${explained}${ongoing ? ` ${ongoing}` : ''}` : explained,
  };
}

/** The `--endpoint-url/--region/--profile` flags in use for this step, for `aws …` commands it suggests. */
export function stepCliFlags(ctx: StepContext): string {
  const aws = ctx.services.config?.aws ?? parseAwsConfig(undefined);
  return awsCliFlags({
    endpoint: aws.endpoint,
    region: aws.region ?? ctx.services.aws?.region,
    profile: aws.profile ?? ctx.services.aws?.profile,
  });
}

export { sleep } from './ride-out';
