// Bundled and run by bench/team-s3.mjs. The team gate against moto's S3 with the real SDK: what one run adds
// (AWS calls and wall time for the team passes, the deploy lock and the evidence records), and the gate's cost
// of reading team evidence in a bucket of 10 000 records against an empty one (one GET by key, no listing).
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { projectEffects } from '../main/core/boundary';
import { parseAwsConfig } from '../main/core/aws/config';
import type { OffloadConfig } from '../main/core/config/types';
import { createTeam } from '../main/core/team/team';
import { emptyPhaseGates } from '../main/core/workflow/phase-gates';
import type { RunSnapshot } from '../main/core/vocabulary';
import { startMoto } from '../test/fixtures/moto/server';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function run(): Promise<Record<string, unknown>> {
  const moto = await startMoto();
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
  const aws = parseAwsConfig({ endpoint: moto.url, region: 'us-east-1' });
  const clients = projectEffects({ trusted: true, env }).awsClients(aws, env);
  const Bucket = 'bench-team';
  await clients.s3.send(new CreateBucketCommand({ Bucket }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bench-team-'));
  const config = { name: 'bench', dir, aws, env: {} } as unknown as OffloadConfig;
  const teamCfg = { bucket: Bucket, prefix: 'o', environment: 'dev', leaseMs: 60_000 };
  const team = createTeam({
    config,
    team: teamCfg,
    dataDir: dir,
    env,
    say: () => undefined,
    effects: () => ({ awsClients: () => clients }),
  });
  const fp = (i: number) => i.toString(16).padStart(64, '0');
  const snap = (runId: string, fingerprint: string): RunSnapshot => ({
    runId,
    workflow: 'full',
    status: 'passed',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    fingerprint,
    tail: [],
    phases: ['local', 'aws-prepare', 'aws-deploy', 'aws-test'].map((id) => ({
      id: id as RunSnapshot['phases'][number]['id'],
      title: id,
      status: 'passed',
      steps: [],
    })),
  });

  // Baseline: one bare GetObject round trip with the same client.
  await clients.s3.send(new PutObjectCommand({ Bucket, Key: 'probe', Body: '{}' }));
  const bare: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await clients.s3
      .send(new GetObjectCommand({ Bucket, Key: 'probe' }))
      .then((r) => r.Body?.transformToString());
    bare.push(performance.now() - t);
  }

  const perRun: number[] = [];
  let calls = 0;
  for (let i = 0; i < 20; i++) {
    clients.calls.clear();
    const t = performance.now();
    const r = team.openRun({
      runId: `run-${i}`,
      workflow: 'full',
      phases: ['local', 'aws-prepare', 'aws-deploy', 'aws-test'],
      fingerprint: fp(1_000_000 + i),
    });
    await r.withTeamPasses(emptyPhaseGates());
    await r.beforePhase('aws-prepare');
    await r.beforePhase('aws-deploy');
    await r.beforePhase('aws-test');
    await r.finish(snap(`run-${i}`, fp(1_000_000 + i)), []);
    perRun.push(performance.now() - t);
    calls = [...clients.calls.values()].reduce((a, b) => a + b, 0);
  }

  const gateCheck = async (): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await team
        .openRun({
          runId: `g-${i}`,
          workflow: 'full',
          phases: ['local', 'aws-prepare', 'aws-deploy', 'aws-test'],
          fingerprint: fp(5_000 + i),
        })
        .withTeamPasses(emptyPhaseGates());
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  const gateSmall = await gateCheck();
  const N = Number(process.env.BENCH_TEAM_RECORDS ?? 10_000);
  for (let i = 0; i < N; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, (_, j) =>
        clients.s3.send(
          new PutObjectCommand({ Bucket, Key: `o/passes/bench/local/${fp(i + j)}.json`, Body: '{}' }),
        ),
      ),
    );
  }
  clients.calls.clear();
  const gateLarge = await gateCheck();
  const gateCalls = [...clients.calls.values()].reduce((a, b) => a + b, 0) / 20;
  clients.destroy();
  team.dispose();
  await moto.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    bareGetMs: +median(bare).toFixed(2),
    perRunMs: +median(perRun).toFixed(2),
    perRunS3Calls: calls,
    perRunVsBareGet: +(median(perRun) / median(bare)).toFixed(1),
    records: N,
    gateCheckEmptyBucketMs: +gateSmall.toFixed(2),
    gateCheckLargeBucketMs: +gateLarge.toFixed(2),
    gateCheckS3Calls: gateCalls,
  };
}
