/**
 * What each teammate sees, against moto's S3 and STS with real `offload` processes: copy B sees copy A's
 * deploy in `offload team` (with A's AWS caller identity) and in its drift, and A's failed run listed
 * (its own failed runs are not). Skipped, with the reason, where moto is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';

const moto = motoAvailable();
let server: MotoServer;
let s3: S3Client;
const BUCKET = 'team-view-bucket';
const CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
const CI_A = { CI_JOB_URL: 'https://ci.example/jobs/a-1' };

const yaml = (endpoint: string) => `name: shop
aws:
  endpoint: ${endpoint}
  region: us-east-1
team:
  evidence: s3://${BUCKET}/t
  environment: dev
workflows:
  full: [local, aws-prepare, aws-deploy, aws-test]
phases:
  local:
    steps:
      - name: Build
        run: echo built; exit \${FAIL:-0}
  aws-prepare:
    steps:
      - name: Prepare
        run: echo prepared
  aws-deploy:
    steps:
      - name: Deploy
        run: echo deployed
  aws-test:
    steps:
      - name: Smoke
        run: echo tested
`;

const run = (dir: string, data: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...args, '--data-dir', data], { cwd: dir, env: { ...CREDS, ...env }, timeoutMs: 30_000 });

interface ViewJson {
  lastDeploys: { environment: string; where: string; runId: string; awsIdentity?: string }[];
  failedRuns: { where: string; failedPhase?: string; runId: string }[];
}

describe.skipIf(!moto.ok)(`what teammates see, against moto (${moto.why})`, () => {
  beforeAll(async () => {
    server = await startMoto();
    s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  it("copy B sees copy A's deploy (who, STS identity, where) in `offload team` and in drift, and A's failed run", async () => {
    const files = { 'src/app.txt': 'v1\n' };
    const [a, b] = [makeProject(yaml(server.url), files), makeProject(yaml(server.url), files)];
    const [dataA, dataB] = [tempDataDir(), tempDataDir()];
    // B has built this source before (it knows its file list); A, a CI job, deploys it.
    expect((await run(b, dataB, ['run', 'local'])).code).toBe(0);
    const deployed = await run(a, dataA, ['run', 'full'], CI_A);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);

    // The run record names the AWS caller identity beside the git author.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 't/deploys/shop/dev/' }));
    const key = listed.Contents?.[0]?.Key as string;
    const rec = JSON.parse(
      (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ??
        '',
    ) as { awsIdentity?: string; where: string };
    expect(rec.awsIdentity).toMatch(/^arn:aws:(sts|iam)::\d{12}:/);
    expect(rec.where).toBe(CI_A.CI_JOB_URL);

    const shown = await run(b, dataB, ['team']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /last deploy to dev: passed by .+ \(arn:aws:\S+\) at https:\/\/ci\.example\/jobs\/a-1, /,
    );

    // B edits the source: what AWS runs is A's deploy, and B is told whose.
    fs.writeFileSync(path.join(b, 'src/app.txt'), 'v2\n');
    const status = await run(b, dataB, ['status', '--json']);
    const drift = (JSON.parse(status.stdout) as { drift: { deployedBy?: string; files: string[] } | null })
      .drift;
    expect(drift?.files).toEqual(['src/app.txt']);
    expect(drift?.deployedBy).toContain(`at ${CI_A.CI_JOB_URL}`);
    expect((await run(b, dataB, ['status'])).stdout).toContain(`deployed by `);

    // A's failed run is listed for B; B's own failed run is not.
    expect((await run(a, dataA, ['run', 'local'], { ...CI_A, FAIL: '3' })).code).toBe(1);
    expect((await run(b, dataB, ['run', 'local'], { FAIL: '3' })).code).toBe(1);
    const view = JSON.parse((await run(b, dataB, ['team', '--json'])).stdout) as ViewJson;
    expect(view.lastDeploys.map((d) => [d.environment, d.where])).toEqual([['dev', CI_A.CI_JOB_URL]]);
    expect(view.failedRuns.map((f) => [f.where, f.failedPhase])).toEqual([[CI_A.CI_JOB_URL, 'local']]);
    expect((await run(b, dataB, ['team'])).stdout).toMatch(
      /failed run by .+ at https:\/\/ci\.example\/jobs\/a-1, \S+: local in local \(dev, run /,
    );
  }, 90_000);
});
