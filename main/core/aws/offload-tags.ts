/**
 * The tags Offload puts on what it deploys, so the actual cost of a project can be asked of Cost Explorer
 * (`offload:project`, once activated as a cost allocation tag) and a resource names the deployment that last
 * touched it (`offload:deployment`: the run id, the identity the deployments history keeps). Tags the user set
 * in offload.yml win over Offload's, and Offload never removes a tag.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { StepContext } from '../vocabulary';

/** The tag keys Offload sets. */
export const PROJECT_TAG = 'offload:project';
export const DEPLOYMENT_TAG = 'offload:deployment';

/** AWS's limits on a tag value (most services): 256 characters. */
const MAX_VALUE = 256;

/** Offload's tags for a step's deploy: the project's name (when the config is known) and the run id. */
export function offloadTags(ctx: Pick<StepContext, 'runId' | 'services'>): Record<string, string> {
  const tags: Record<string, string> = {};
  const project = ctx.services.config?.name;
  if (project) tags[PROJECT_TAG] = project.slice(0, MAX_VALUE);
  tags[DEPLOYMENT_TAG] = ctx.runId.slice(0, MAX_VALUE);
  return tags;
}

/**
 * Offload's tags that stay the same from one deploy to the next (the project's): for what re-applies its whole
 * tag set on each deploy (a CloudFormation stack), where a changing run id would be a change every time.
 */
export function stableOffloadTags(ctx: Pick<StepContext, 'runId' | 'services'>): Record<string, string> {
  const { [DEPLOYMENT_TAG]: _run, ...stable } = offloadTags(ctx);
  return stable;
}

/** The user's tags with Offload's added where the user did not set the key (theirs win). */
export function withOffloadTags<V>(
  user: Readonly<Record<string, V>> | undefined,
  offload: Readonly<Record<string, string>>,
): Record<string, V | string> {
  const out: Record<string, V | string> = { ...(user ?? {}) };
  for (const [k, v] of Object.entries(offload)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/**
 * Tags copied from what is being replaced (a task definition's previous revision) with Offload's keys set anew:
 * Offload's own keys from the earlier deploy are replaced, every other tag is kept as it was.
 */
export function refreshOffloadTags(
  copied: readonly { key?: string; value?: string }[] | undefined,
  offload: Readonly<Record<string, string>>,
): { key: string; value: string }[] {
  const kept = (copied ?? []).filter(
    (t): t is { key: string; value: string } =>
      typeof t.key === 'string' && typeof t.value === 'string' && !(t.key in offload),
  );
  return [...kept, ...Object.entries(offload).map(([key, value]) => ({ key, value }))];
}

/**
 * Adds Offload's tags to a Lambda function (TagResource on the unqualified ARN: it adds or replaces these keys,
 * never removes another). The function does not depend on its tags: a refusal (no lambda:TagResource) returns
 * the reason in words instead of failing the deploy; undefined when tagged.
 */
export async function tagLambdaFunction(
  lambda: LambdaClient,
  functionArn: string,
  tags: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (!functionArn) return 'not tagged: the function ARN is unknown';
  const sdk = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  try {
    await lambda.send(new sdk.TagResourceCommand({ Resource: functionArn, Tags: { ...tags } }), {
      abortSignal: signal,
    });
    return undefined;
  } catch (err) {
    if (signal?.aborted) throw err;
    const e = err as { name?: string; message?: string };
    return `not tagged with ${Object.keys(tags).join(', ')} (lambda:TagResource: ${e.name ?? 'Error'}: ${e.message ?? ''}); the actual cost of this function will not show under the project`;
  }
}
