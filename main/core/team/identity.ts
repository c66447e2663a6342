/**
 * The AWS half of "who": the caller identity's ARN from sts GetCallerIdentity, asked at most once per process
 * for one account set-up (profile, region, endpoint, key). Its failure is an answer too: the record says why
 * the identity is unknown, and the run goes on.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { unreachableCause } from './store';

/** The caller identity, or why it is not known. */
export type CallerIdentity = { arn: string } | { error: string };

const asked = new Map<string, Promise<CallerIdentity>>();

/** The caller identity for the set-up `key`; `sts` builds the client on the first ask only. */
export function callerIdentity(key: string, sts: () => STSClient): Promise<CallerIdentity> {
  let p = asked.get(key);
  if (!p) {
    p = ask(sts);
    asked.set(key, p);
  }
  return p;
}

async function ask(sts: () => STSClient): Promise<CallerIdentity> {
  try {
    const { GetCallerIdentityCommand } =
      require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
    const r = await sts().send(new GetCallerIdentityCommand({}));
    return r.Arn ? { arn: r.Arn } : { error: 'GetCallerIdentity named no ARN' };
  } catch (err) {
    return { error: unreachableCause(err, 'sts:GetCallerIdentity') };
  }
}

/** The key of one account set-up: the identity is the same for every client built from it. */
export function identityKey(o: {
  profile?: string;
  region?: string;
  endpoint?: string;
  env: NodeJS.ProcessEnv;
}): string {
  return JSON.stringify([o.profile ?? o.env.AWS_PROFILE, o.region, o.endpoint, o.env.AWS_ACCESS_KEY_ID]);
}
