/**
 * AWS SDK v3 clients built from offload.yml's `aws:` section: the default credential chain (or the
 * profile named there), the region, an optional endpoint override, bounded standard retries with
 * back-off, and a per-request timeout. Credentials are never read into Offload's own state or logs.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsConfig } from './config';
import { refuseWebPages } from './not-aws-answer';

type Handler = (args: unknown) => Promise<unknown>;
interface CallCounterStack {
  add(
    mw: (next: Handler, context: { commandName?: string }) => Handler,
    opts: { step: 'initialize'; name: string },
  ): void;
}

/** The clients Offload uses; shared by the step kinds and the AWS watch. */
export interface AwsClients {
  ecs: ECSClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  /** Built on first use (only the cloudformation-deploy step needs it). */
  readonly cloudformation: CloudFormationClient;
  /** Built on first use (only the lambda-* steps and load-test's scaling check need it). */
  readonly lambda: LambdaClient;
  /** Built on first use (the cost estimate); the Price List API answers in us-east-1 whatever the region. */
  readonly pricing: PricingClient;
  /** Built on first use (the actual cost); Cost Explorer answers in us-east-1 whatever the region. */
  readonly costExplorer: CostExplorerClient;
  /** Built on first use (the cost estimate's EKS node groups). */
  readonly eks: EKSClient;
  /** Built on first use (only the team's evidence and deploy lock need it); path-style where an endpoint is set. */
  readonly s3: S3Client;
  /** Built on first use (the team evidence's `who`: GetCallerIdentity, once per process). */
  readonly sts: STSClient;
  /** Profile and region as configured (for messages such as `aws sso login --profile X`). */
  profile?: string;
  region?: string;
  /** Every API call made through these clients, by `Service.Operation` (for API-budget displays and the bench). */
  calls: Map<string, number>;
  destroy(): void;
}

/**
 * The SDK warns once per process, in the middle of the user's output, that its releases after January 2027
 * need Node 22 (Offload supports the Node it declares in package.json; README says so). The SDK's own switch
 * turns the warning off; it is set only while the clients are built, so step processes never inherit it.
 */
function withoutSdkNodeVersionWarning<T>(build: () => T): T {
  const KEY = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const before = process.env[KEY];
  process.env[KEY] = 'true';
  try {
    return build();
  } finally {
    if (before === undefined) delete process.env[KEY];
    else process.env[KEY] = before;
  }
}

/**
 * Builds the clients. `env` is consulted for AWS_REGION/AWS_DEFAULT_REGION/AWS_PROFILE and, when it holds
 * AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, for static credentials (so an injected environment is honoured);
 * otherwise the SDK's default provider chain resolves credentials lazily on the first call.
 */
export function createAwsClients(cfg: AwsConfig, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const profile = cfg.profile ?? (env.AWS_PROFILE || undefined);
  const region = cfg.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const useEnvKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) && !cfg.profile;
  const common = {
    ...(region ? { region } : {}),
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    ...(useEnvKeys
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID!,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : profile
        ? { profile }
        : {}),
    maxAttempts: cfg.maxAttempts,
    retryMode: 'standard',
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting on a hung response.
    requestHandler: {
      requestTimeout: cfg.timeoutMs,
      connectionTimeout: Math.min(cfg.timeoutMs, 5000),
      throwOnRequestTimeout: true,
    },
  } as const;
  const calls = new Map<string, number>();
  // Loaded on first use, not at CLI start-up (the SDK takes ~100 ms to load).
  const { ecs, cloudwatch, logs } = withoutSdkNodeVersionWarning(() => ({
    ecs: new (require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs')).ECSClient(common),
    cloudwatch: new (
      require('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch')
    ).CloudWatchClient(common),
    logs: new (
      require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs')
    ).CloudWatchLogsClient(common),
  }));
  // Counts each operation once per command (retries are the SDK's business; the bench counts HTTP requests).
  const counted = <C extends { middlewareStack: unknown }>(service: string, client: C): C => {
    (client.middlewareStack as CallCounterStack).add(
      (next, context) => async (args) => {
        const key = `${service}.${String(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'offloadCallCounter' },
    );
    refuseWebPages(client.middlewareStack); // a wrong aws.endpoint's page is no answer, whatever the protocol
    return client;
  };
  counted('ECS', ecs);
  counted('CloudWatch', cloudwatch);
  counted('CloudWatchLogs', logs);
  let cloudformation: CloudFormationClient | undefined;
  let lambda: LambdaClient | undefined;
  let pricing: PricingClient | undefined;
  let costExplorer: CostExplorerClient | undefined;
  let eks: EKSClient | undefined;
  let s3: S3Client | undefined;
  let sts: STSClient | undefined;
  return {
    ecs,
    cloudwatch,
    logs,
    get cloudformation() {
      return (cloudformation ??= counted(
        'CloudFormation',
        withoutSdkNodeVersionWarning(
          () =>
            new (
              require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation')
            ).CloudFormationClient(common),
        ),
      ));
    },
    get lambda() {
      return (lambda ??= counted(
        'Lambda',
        withoutSdkNodeVersionWarning(
          () =>
            new (require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda')).LambdaClient(
              common,
            ),
        ),
      ));
    },
    get pricing() {
      return (pricing ??= counted(
        'Pricing',
        withoutSdkNodeVersionWarning(
          () =>
            new (
              require('@aws-sdk/client-pricing') as typeof import('@aws-sdk/client-pricing')
            ).PricingClient({
              ...common,
              region: 'us-east-1',
            }),
        ),
      ));
    },
    get costExplorer() {
      const CE = (require('@aws-sdk/client-cost-explorer') as typeof import('@aws-sdk/client-cost-explorer'))
        .CostExplorerClient;
      return (costExplorer ??= counted(
        'CostExplorer',
        withoutSdkNodeVersionWarning(() => new CE({ ...common, region: 'us-east-1' })),
      ));
    },
    get eks() {
      const Eks = (require('@aws-sdk/client-eks') as typeof import('@aws-sdk/client-eks')).EKSClient;
      return (eks ??= counted(
        'EKS',
        withoutSdkNodeVersionWarning(() => new Eks(common)),
      ));
    },
    get s3() {
      const S3 = (require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3')).S3Client;
      const opts = { ...common, forcePathStyle: Boolean(cfg.endpoint) };
      return (s3 ??= counted(
        'S3',
        withoutSdkNodeVersionWarning(() => new S3(opts)),
      ));
    },
    get sts() {
      const STS = (require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts')).STSClient;
      return (sts ??= counted(
        'STS',
        withoutSdkNodeVersionWarning(() => new STS(common)),
      ));
    },
    profile,
    region,
    calls,
    destroy() {
      ecs.destroy();
      cloudwatch.destroy();
      logs.destroy();
      cloudformation?.destroy();
      lambda?.destroy();
      pricing?.destroy();
      costExplorer?.destroy();
      eks?.destroy();
      s3?.destroy();
      sts?.destroy();
    },
  };
}

declare module '../vocabulary/step-kind' {
  interface StepServices {
    /** Shared AWS clients; absent: an AWS step builds its own from `config.aws` for that step. */
    aws?: AwsClients;
  }
}
