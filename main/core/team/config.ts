/**
 * The `team:` section of offload.yml: where the team's evidence and deploy locks live (an S3 bucket and
 * prefix in the team's own AWS account), and which region and profile reach it.
 */
import type { JsonSchema } from '../vocabulary';
import { durationMs, durationSchema } from '../units';

/** JSON Schema of `team:`. */
export const teamSchema: JsonSchema = {
  type: 'object',
  description:
    'The team gate: every finished run writes its evidence (write-once) to S3, AWS phases take a lock per environment there, and a local pass recorded by CI or a teammate for the same fingerprint counts.',
  additionalProperties: false,
  required: ['evidence'],
  properties: {
    evidence: {
      type: 'string',
      pattern: '^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\\s]*)?$',
      description: 'Where evidence and locks go: s3://bucket/prefix (the bucket in the team’s AWS account).',
    },
    region: { type: 'string', minLength: 1, description: 'Region of the bucket (default: aws.region).' },
    profile: {
      type: 'string',
      minLength: 1,
      description: 'Profile that reaches the bucket (default: aws.profile).',
    },
    environment: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description:
        'The environment this project deploys to: one deploy at a time per environment (default: default).',
    },
    lease: durationSchema('How long a deploy lock holds before another run may take it over (default 30m).'),
  },
};

/** The parsed `team:` section; undefined when offload.yml has none. */
export interface TeamConfig {
  bucket: string;
  /** The key prefix without leading or trailing slashes ('' for the bucket's root). */
  prefix: string;
  region?: string;
  profile?: string;
  environment: string;
  leaseMs: number;
}

/** Splits s3://bucket/prefix into its bucket and prefix (no slashes at either end of the prefix). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`team.evidence must be s3://bucket/prefix, not ${JSON.stringify(url)}`);
  return { bucket: m[1] as string, prefix: (m[2] as string).replace(/^\/+|\/+$/g, '') };
}

/** Parses `team:` (already schema-validated); undefined when absent. */
export function parseTeamConfig(raw: unknown): TeamConfig | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  return {
    ...parseS3Url(String(r.evidence)),
    region: typeof r.region === 'string' ? r.region : undefined,
    profile: typeof r.profile === 'string' ? r.profile : undefined,
    environment: typeof r.environment === 'string' ? r.environment : 'default',
    leaseMs: durationMs(r.lease, 30 * 60_000, 'team.lease'),
  };
}
