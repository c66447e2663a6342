/**
 * The team gate against moto's S3 (conditional writes: `If-None-Match: *`, `If-Match` on delete) with the real
 * SDK and real `offload` processes: two project copies with their own data folders (two laptops, or a laptop
 * and CI) share one bucket. Skipped, with the reason, where moto is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';

const moto = motoAvailable();
let server: MotoServer;
let s3: S3Client;
const BUCKET = 'team-bucket';
const CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

const yaml = (endpoint: string, project = 'teamproj', lease = '30m') => `name: ${project}
aws:
  endpoint: ${endpoint}
  region: us-east-1
team:
  evidence: s3://${BUCKET}/offload
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
        run: echo deploying; sleep \${SLEEP:-0}
  aws-test:
    steps:
      - name: Smoke
        run: echo tested
`;

const keys = async (prefix: string): Promise<string[]> => {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key as string).sort();
};
const read = async (key: string): Promise<string> =>
  (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';
const run = (dir: string, data: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...args, '--data-dir', data], { cwd: dir, env: { ...CREDS, ...env }, timeoutMs: 60_000 });

describe.skipIf(!moto.ok)(`the team gate against moto (${moto.why})`, () => {
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

  it('two copies at once: exactly one deploys, the other is told who holds dev; --wait runs after it', async () => {
    const a = makeProject(yaml(server.url));
    const b = makeProject(yaml(server.url));
    const [dataA, dataB] = [tempDataDir(), tempDataDir()];
    const first = startCli(['run', 'full', '--data-dir', dataA], {
      cwd: a,
      env: { ...CREDS, SLEEP: '4', GIT_AUTHOR_NAME: 'ci' },
    });
    let out = '';
    first.stdout?.on('data', (d) => (out += d));
    first.stderr?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('deploying'), 30_000, 'the first run to deploy');
    expect(await keys('offload/locks/')).toEqual(['offload/locks/teamproj/dev.json']);

    const refused = await run(b, dataB, ['run', 'full']);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /deploy lock: dev is locked by .+ at .+ since .+ \(full, run /,
    );

    const waited = await run(b, dataB, ['run', 'full', '--wait', '1m']);
    expect(waited.code, waited.stdout + waited.stderr).toBe(0);
    await new Promise((r) => (first.exitCode !== null ? r(null) : first.on('exit', r)));
    expect(first.exitCode).toBe(0);
    expect(await keys('offload/locks/')).toEqual([]);
    expect((await keys('offload/deploys/teamproj/dev/')).length).toBe(2);
  }, 120_000);

  it('a pass CI recorded for the same fingerprint lets another copy deploy without local; another fingerprint does not', async () => {
    const ci = makeProject(yaml(server.url, 'shared'));
    const ciEnv = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '42',
    };
    expect((await run(ci, tempDataDir(), ['run', 'local'], ciEnv)).code).toBe(0);
    const runs = await keys('offload/runs/shared/');
    expect(runs.length).toBe(1);
    const record = JSON.parse(await read(runs[0] as string)) as { where: string; fingerprint: string };
    expect(record.where).toBe('https://github.com/acme/shop/actions/runs/42');
    expect(await keys(`offload/passes/shared/local/`)).toEqual([
      `offload/passes/shared/local/${record.fingerprint}.json`,
    ]);

    const laptop = makeProject(yaml(server.url, 'shared'));
    const deployed = await run(laptop, tempDataDir(), ['run', 'deploy']);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.stderr).toContain(
      'local phase passed for this source by ', // whose
    );
    expect(deployed.stderr).toContain('at https://github.com/acme/shop/actions/runs/42 (run '); // where
    expect(deployed.stdout).not.toContain('local-ran');

    const changed = makeProject(yaml(server.url, 'shared'), { 'extra.txt': 'not what CI tested\n' });
    const refused = await run(changed, tempDataDir(), ['run', 'deploy']);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/local phase has never passed for this project/);
    expect(refused.stderr).not.toContain('counts for the gate');
  }, 120_000);

  it('a lock past its lease is taken over, naming its holder; `offload unlock` is not needed', async () => {
    const dir = makeProject(yaml(server.url, 'stale'));
    const data = tempDataDir();
    expect((await run(dir, data, ['run', 'local'])).code).toBe(0);
    const stale = {
      version: 1,
      kind: 'offload-lock',
      project: 'stale',
      environment: 'dev',
      runId: 'gone-run',
      workflow: 'deploy',
      since: new Date(Date.now() - 3_600_000).toISOString(),
      leaseMs: 60_000,
      who: 'Ana <ana@example.com>',
      where: 'ana-laptop',
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'offload/locks/stale/dev.json',
        Body: JSON.stringify(stale),
      }),
    );
    const r = await run(dir, data, ['run', 'deploy']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'taking over a stale deploy lock: Ana <ana@example.com> at ana-laptop held dev since',
    );
    expect(await keys('offload/locks/stale/')).toEqual([]);
  }, 60_000);

  it('a malformed pass record for this fingerprint is skipped and reported, never counted', async () => {
    const dir = makeProject(yaml(server.url, 'forged'));
    const data = tempDataDir();
    const first = await run(dir, data, ['run', 'deploy']);
    expect(first.code).toBe(1);
    const [runKey] = await keys('offload/runs/forged/');
    const fp = (JSON.parse(await read(runKey as string)) as { fingerprint: string }).fingerprint;
    const key = `offload/passes/forged/local/${fp}.json`;
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{"version":1,"kind":"offload-pass"' }),
    );
    const r = await run(dir, data, ['run', 'deploy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`team evidence: skipped ${key}: not JSON`);
    expect(r.stdout + r.stderr).toMatch(/local phase has never passed/);
  }, 60_000);

  it('offline: the run passes, says why once, queues its records privately and flushes them on the next run', async () => {
    const dir = makeProject(yaml('http://127.0.0.1:9', 'offline'));
    const data = tempDataDir();
    const r = await run(dir, data, ['run', 'local']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr.match(/team evidence unreachable: /g)?.length).toBe(1);
    const queue = path.join(data, 'team-queue', 'offline.jsonl');
    expect(fs.statSync(queue).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(queue, 'utf8').trim().split('\n').length).toBe(2); // the run and its local pass

    fs.writeFileSync(path.join(dir, 'offload.yml'), yaml(server.url, 'offline'));
    const back = await run(dir, data, ['run', 'local']);
    expect(back.code).toBe(0);
    expect(back.stderr).not.toContain('unreachable');
    expect((await keys('offload/runs/offline/')).length).toBe(2);
    expect(fs.existsSync(queue)).toBe(false);
  }, 60_000);

  it('`offload team` shows the last deploy and the lock holder; `offload unlock` forces the lock open', async () => {
    const dir = makeProject(yaml(server.url, 'viewed'));
    const data = tempDataDir();
    expect((await run(dir, data, ['run', 'full'])).code).toBe(0);
    const holder = {
      version: 1,
      kind: 'offload-lock',
      project: 'viewed',
      environment: 'dev',
      runId: 'r-1',
      workflow: 'deploy',
      since: new Date().toISOString(),
      leaseMs: 600_000,
      who: 'Bo <bo@example.com>',
      where: 'bo-laptop',
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'offload/locks/viewed/dev.json',
        Body: JSON.stringify(holder),
      }),
    );
    const shown = await run(dir, data, ['team']);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines[0]).toBe(`team evidence: s3://${BUCKET}/offload`);
    expect(lines[1]).toMatch(
      /^dev locked by Bo <bo@example.com> at bo-laptop since .+ \(deploy, run r-1\), lease until /,
    );
    expect(lines[2]).toMatch(/^last deploy to dev: passed by .+ at .+, \S+ \(full, run [\w-]+\)$/);
    const json = JSON.parse((await run(dir, data, ['team', '--json'])).stdout) as { lock: { who: string } };
    expect(json.lock.who).toBe('Bo <bo@example.com>');

    const unlocked = await run(dir, data, ['unlock']);
    expect(unlocked.stdout).toMatch(/^unlocked; it was held by: Bo <bo@example.com> at bo-laptop since /);
    expect(await keys('offload/locks/viewed/')).toEqual([]);
    expect((await run(dir, data, ['team'])).stdout).toContain('dev: not locked');
  }, 60_000);
});
