/**
 * The bearer token an EKS cluster accepts, made as `aws eks get-token` and aws-iam-authenticator make it: a
 * SigV4-presigned STS GetCallerIdentity URL (regional endpoint, 60 s X-Amz-Expires, the signed header
 * `x-k8s-aws-id: <cluster>`), base64url without padding, prefixed `k8s-aws-v1.`. The API server replays the URL
 * to STS to learn who is calling; a token is good for 15 minutes after its X-Amz-Date (we reuse one for 10).
 * Credentials come from the AWS default chain (or the profile given); they never leave this function except
 * as a signature.
 */
import type { AwsCredentialIdentity } from '@smithy/types';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/** What a token is made from. */
export interface EksTokenInput {
  cluster: string;
  region: string;
  credentials: AwsCredentialIdentity;
  /** Signing time (default now). */
  now?: Date;
}

/** A token and the time until which Offload reuses it. */
export interface EksToken {
  token: string;
  /** The presigned URL inside the token (for tests and diagnostics; it holds no secret key). */
  url: string;
  expiresAt: Date;
}

/** Presigns GetCallerIdentity with the real SigV4 signer of the AWS SDK. */
export async function eksToken(input: EksTokenInput): Promise<EksToken> {
  const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
  const { Sha256 } = require('@smithy/core/checksum') as {
    Sha256: import('@smithy/types').ChecksumConstructor;
  };
  const now = input.now ?? new Date();
  const hostname = `sts.${input.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'sts',
    region: input.region,
    credentials: input.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': input.cluster },
    },
    { expiresIn: 60, signingDate: now },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x) => [k, x] as const) : v == null ? [] : [[k, v] as const],
    )
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    url,
    expiresAt: new Date(now.getTime() + 10 * 60_000),
  };
}

/** The presigned URL inside a token (undefined when it is not an EKS token). */
export function decodeEksToken(token: string): URL | undefined {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) return undefined;
  try {
    return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Credentials from the AWS default chain as the AWS CLI resolves them: static keys in `env` win (an
 * injected environment is honoured, as for the other AWS steps), else the SDK's node provider chain
 * (environment, shared config and the profile, SSO, web identity, container and instance roles).
 */
export async function resolveAwsCredentials(
  env: NodeJS.ProcessEnv,
  profile: string | undefined,
): Promise<AwsCredentialIdentity> {
  if (!profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const { defaultProvider } =
    require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node');
  return defaultProvider(profile ? { profile } : {})();
}
