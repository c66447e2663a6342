/**
 * The team gate's S3 backends for the same scenarios: moto (an independent implementation) and the
 * project's own endpoint fixture (strict wire shapes, scripted AccessDenied). A test takes one offline with
 * its own fault proxy in front; the real SDK reads and plants objects beside `offload`.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../fixtures/aws-endpoint/fault-proxy';
import { startFakeAws, type FakeAwsState } from '../fixtures/aws-endpoint/server';
import { motoAvailable, startMoto } from '../fixtures/moto/server';
import { runCli, type CliResult } from './cli';

/** The bucket every scenario shares (projects keep apart by name). */
export const TEAM_BUCKET = 'team-bucket';

/** Static credentials both backends accept. */
export const TEAM_CREDS = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
};

/** One running backend with the bucket created. */
export interface TeamBackend {
  /** What `offload.yml` points at. */
  url: string;
  /** A fault proxy in front of this backend (the caller closes it). */
  proxy(): Promise<FaultProxy>;
  s3: S3Client;
  /** The keys under `prefix`, sorted. */
  keys(prefix: string): Promise<string[]>;
  read(key: string): Promise<string>;
  /** Writes `body` at `key` unconditionally (a teammate's record, a forged one, a stale lock). */
  plant(key: string, body: string): Promise<void>;
  /** The fixture's state (scripted faults such as AccessDenied); undefined on moto. */
  fixture?: FakeAwsState;
  close(): Promise<void>;
}

/** A backend kind for `describe.each`: its name, whether it can run here, how to start it. */
export interface TeamBackendKind {
  name: string;
  available: { ok: boolean; why: string };
  start(): Promise<TeamBackend>;
}

async function open(url: string, close: () => Promise<void>, fixture?: FakeAwsState): Promise<TeamBackend> {
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: TEAM_BUCKET }));
  return {
    url,
    proxy: () => startFaultProxy(url),
    s3,
    ...(fixture ? { fixture } : {}),
    keys: async (prefix) => {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: TEAM_BUCKET, Prefix: prefix }));
      return (r.Contents ?? []).map((o) => o.Key as string).sort();
    },
    read: async (key) =>
      (await (
        await s3.send(new GetObjectCommand({ Bucket: TEAM_BUCKET, Key: key }))
      ).Body?.transformToString()) ?? '',
    plant: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: TEAM_BUCKET, Key: key, Body: body }));
    },
    close: async () => {
      s3.destroy();
      await close();
    },
  };
}

/** The endpoint fixture's S3 (in-process: one per test that scripts faults on it). */
export async function startFixtureBackend(): Promise<TeamBackend> {
  const fake = await startFakeAws();
  return open(fake.url, () => fake.close(), fake.state);
}

/** moto's S3 and the endpoint fixture's S3. */
export const TEAM_BACKENDS: TeamBackendKind[] = [
  {
    name: 'moto',
    available: motoAvailable(),
    start: async () => {
      const moto = await startMoto();
      return open(moto.url, () => moto.close());
    },
  },
  { name: 'the endpoint fixture', available: { ok: true, why: 'in-process' }, start: startFixtureBackend },
];

/** A team project: local, then the locked phases; aws-deploy stays open while `HOLD` names a missing file. */
export const teamYaml = (endpoint: string, project: string, lease = '30m') => `name: ${project}
aws:
  endpoint: ${endpoint}
  region: us-east-1
team:
  evidence: s3://${TEAM_BUCKET}/offload
  environment: dev
  lease: ${lease}
workflows:
  full: [local, aws-prepare, aws-deploy, aws-test]
  deploy: [aws-prepare, aws-deploy, aws-test]
phases:
  local:
    steps:
      - name: Build
        run: echo local-ran
  aws-prepare:
    steps:
      - name: Prepare
        run: echo prepared
  aws-deploy:
    steps:
      - name: Deploy
        run: 'echo deploying; while [ -n "$HOLD" ] && [ ! -e "$HOLD" ]; do sleep 0.1; done'
  aws-test:
    steps:
      - name: Smoke
        run: echo tested
`;

/** `offload <args> --data-dir <data>` in `dir` with the test credentials. */
export const runTeamCli = (
  dir: string,
  data: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> =>
  runCli([...args, '--data-dir', data], { cwd: dir, env: { ...TEAM_CREDS, ...env }, timeoutMs: 60_000 });

/** A lock record as another run would have written it. */
export const lockRecord = (
  project: string,
  o: { runId: string; since: number; leaseMs: number; who: string; where: string },
) =>
  JSON.stringify({
    version: 1,
    kind: 'offload-lock',
    project,
    environment: 'dev',
    runId: o.runId,
    workflow: 'deploy',
    since: new Date(o.since).toISOString(),
    leaseMs: o.leaseMs,
    who: o.who,
    where: o.where,
  });
