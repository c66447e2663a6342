/**
 * EKS DescribeCluster over its REST-JSON API, signed with the SDK's SigV4 signer (Offload does not ship the
 * EKS client for one call): the API server endpoint and its CA for `eks: { cluster }` without a kubeconfig.
 */
import { EffectRefused, type ProjectEffects } from '../boundary';
import { resolveAwsCredentials } from './eks-token';

export interface EksClusterInfo {
  endpoint: string;
  /** Base64 PEM of the cluster CA, as kubeconfig's certificate-authority-data holds it. */
  caData: string;
  status?: string;
}

export async function describeEksCluster(
  name: string,
  opts: {
    region: string;
    env: NodeJS.ProcessEnv;
    profile?: string;
    endpoint?: string;
    signal?: AbortSignal;
    /** The project's effects: the signed request goes through them (a project-chosen endpoint needs trust). */
    effects: ProjectEffects;
  },
): Promise<EksClusterInfo> {
  const refused = opts.effects.awsRefusal({ endpoint: opts.endpoint });
  if (refused) throw new EffectRefused(refused);
  const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
  const { Sha256 } = require('@smithy/core/checksum') as {
    Sha256: import('@smithy/types').ChecksumConstructor;
  };
  const base = new URL(opts.endpoint ?? `https://eks.${opts.region}.amazonaws.com`);
  const credentials = await resolveAwsCredentials(opts.env, opts.profile);
  const signer = new SignatureV4({ service: 'eks', region: opts.region, credentials, sha256: Sha256 });
  const pathname = `${base.pathname.replace(/\/$/, '')}/clusters/${encodeURIComponent(name)}`;
  const signed = await signer.sign({
    method: 'GET',
    protocol: base.protocol,
    hostname: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    path: pathname,
    query: {},
    headers: { host: base.host, accept: 'application/json' },
  });
  const res = await opts.effects.request(new URL(pathname, base), {
    headers: signed.headers as Record<string, string>,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { message?: string; Message?: string };
      message = body.message ?? body.Message ?? message;
    } catch {
      // not JSON: the text itself
    }
    const hint =
      res.status === 403
        ? ' (the credentials need eks:DescribeCluster)'
        : res.status === 404
          ? ` (no EKS cluster ${name} in ${opts.region})`
          : '';
    throw new Error(`EKS DescribeCluster ${name}: HTTP ${res.status} ${message}${hint}`);
  }
  const body = JSON.parse(text) as {
    cluster?: { endpoint?: string; certificateAuthority?: { data?: string }; status?: string };
  };
  const c = body.cluster;
  if (!c?.endpoint || !c.certificateAuthority?.data)
    throw new Error(`EKS cluster ${name} has no endpoint yet (status ${c?.status ?? 'unknown'})`);
  return {
    endpoint: c.endpoint,
    caData: c.certificateAuthority.data,
    ...(c.status ? { status: c.status } : {}),
  };
}
