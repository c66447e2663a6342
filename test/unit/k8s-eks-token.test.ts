/**
 * The EKS token against a known vector: fixed credentials and time give one exact presigned URL. The URL is
 * made by the SDK's real SigV4 signer; the test recomputes the signature by hand from the SigV4 spec (so the
 * two implementations must agree) and checks the shape aws-iam-authenticator and `aws eks get-token` use.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEksToken, eksToken, EKS_TOKEN_PREFIX } from '../../main/core/k8s/eks-token';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const now = new Date('2024-01-02T03:04:05Z');

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => crypto.createHash('sha256').update(data).digest('hex');

/** SigV4 query-string signing, straight from the AWS documentation. */
function expectedSignature(query: URLSearchParams, cluster: string, region: string, secret: string): string {
  const host = `sts.${region}.amazonaws.com`;
  const params = [...query.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    'GET',
    '/',
    params,
    `host:${host}\nx-k8s-aws-id:${cluster}\n`,
    'host;x-k8s-aws-id',
    // A GET without a body: the payload hash is that of the empty string (as the Go SDK that
    // aws-iam-authenticator uses signs it).
    sha256(''),
  ].join('\n');
  const day = '20240102';
  const scope = `${day}/${region}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', '20240102T030405Z', scope, sha256(canonical)].join('\n');
  const kDate = hmac(`AWS4${secret}`, day);
  const kSigning = hmac(hmac(hmac(kDate, region), 'sts'), 'aws4_request');
  return hmac(kSigning, toSign).toString('hex');
}

describe('eksToken', () => {
  it('presigns STS GetCallerIdentity for the cluster, 60 s, x-k8s-aws-id signed', async () => {
    const t = await eksToken({ cluster: 'demo', region: 'eu-west-1', credentials, now });
    expect(t.token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    // base64url, no padding
    expect(t.token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decodeEksToken(t.token)!;
    expect(url.toString()).toBe(new URL(t.url).toString());
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240102/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20240102T030405Z');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Signature')).toBe(
      expectedSignature(q, 'demo', 'eu-west-1', credentials.secretAccessKey),
    );
    expect(t.expiresAt.getTime() - now.getTime()).toBe(600_000);
  });

  it('is deterministic and depends on the cluster, region and session token', async () => {
    const a = await eksToken({ cluster: 'demo', region: 'eu-west-1', credentials, now });
    const b = await eksToken({ cluster: 'demo', region: 'eu-west-1', credentials, now });
    expect(a.token).toBe(b.token);
    const other = await eksToken({ cluster: 'prod', region: 'eu-west-1', credentials, now });
    expect(other.token).not.toBe(a.token);
    const us = await eksToken({ cluster: 'demo', region: 'us-east-2', credentials, now });
    expect(decodeEksToken(us.token)!.host).toBe('sts.us-east-2.amazonaws.com');
    const session = await eksToken({
      cluster: 'demo',
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: 'SESSION/TOKEN+1' },
      now,
    });
    const sq = decodeEksToken(session.token)!.searchParams;
    expect(sq.get('X-Amz-Security-Token')).toBe('SESSION/TOKEN+1');
    expect(sq.get('X-Amz-Signature')).toBe(
      expectedSignature(sq, 'demo', 'eu-west-1', credentials.secretAccessKey),
    );
  });

  it('decodes nothing that is not an EKS token', () => {
    expect(decodeEksToken('abc')).toBeUndefined();
  });
});
