/**
 * The cost estimate's usage reads against moto (an independent implementation of ECS, EKS, EC2, CloudWatch
 * and Lambda), with the real SDK clients: ECS container instances registered from EC2 instances (their
 * `ecs.instance-type` attribute set by moto from the instance), an EKS node group's instance types and
 * desired size, a Lambda function's memory and its CloudWatch sums. moto has no Price List API: prices come
 * from the project's AWS endpoint fixture. Skipped, with the reason, where moto is absent.
 *
 * moto 5.2 gaps: container instances carry no capacityProviderName (so only a service on the EC2 launch type
 * is checked here; capacity providers are checked against the fixture); EC2 has no @aws-sdk client among the
 * dependencies, so RunInstances is one plain EC2 Query request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateClusterCommand as CreateEksCluster, CreateNodegroupCommand } from '@aws-sdk/client-eks';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../../main/core/aws/clients';
import { estimateDeployCost } from '../../main/core/aws/cost-estimate';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients } from '../fixtures/aws-endpoint/helpers';

const moto = motoAvailable();
const ACCOUNT = '123456789012';

/** One AWS Query request to moto for a service without an SDK client here (moto routes by credential scope). */
async function query(url: string, service: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDOFFLOADTEST/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${service} ${params.Action}: ${res.status} ${text}`);
  return text;
}

describe.skipIf(!moto.ok)(`cost estimate against moto (${moto.why})`, () => {
  let server: MotoServer;
  let fake: FakeAws;
  let m: AwsClients;
  let f: AwsClients;
  let dir: string;

  beforeAll(async () => {
    [server, fake] = await Promise.all([startMoto(), startFakeAws()]);
    m = testClients(server.url, { timeout: '10s', maxAttempts: 1 });
    f = testClients(fake.url, { maxAttempts: 1 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cost-moto-'));
  }, 60_000);
  afterAll(async () => {
    m?.destroy();
    f?.destroy();
    await Promise.all([server?.close(), fake?.close()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('EC2 instances behind an ECS service, an EKS node group and a Lambda function, priced by hand', async () => {
    // ECS on EC2: two g5.xlarge registered as container instances of cluster gpu.
    const run = await query(server.url, 'ec2', {
      Action: 'RunInstances',
      Version: '2016-11-15',
      ImageId: 'ami-12c6146b',
      MinCount: '2',
      MaxCount: '2',
      InstanceType: 'g5.xlarge',
    });
    const ids = [...run.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)].map((x) => x[1]!);
    expect(ids).toHaveLength(2);
    await m.ecs.send(new CreateClusterCommand({ clusterName: 'gpu' }));
    for (const instanceId of ids)
      await m.ecs.send(
        new RegisterContainerInstanceCommand({
          cluster: 'gpu',
          instanceIdentityDocument: JSON.stringify({ instanceId, region: 'us-east-1', accountId: ACCOUNT }),
        }),
      );
    await m.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'infer',
        containerDefinitions: [{ name: 'app', image: 'infer:v1', memory: 8192, essential: true }],
        requiresCompatibilities: ['EC2'],
      }),
    );
    await m.ecs.send(
      new CreateServiceCommand({
        cluster: 'gpu',
        serviceName: 'infer',
        taskDefinition: 'infer',
        desiredCount: 1,
        launchType: 'EC2',
      }),
    );
    // EKS: a managed node group of 2 × g6.xlarge.
    await m.eks.send(
      new CreateEksCluster({
        name: 'ml',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
        resourcesVpcConfig: { subnetIds: ['subnet-1'] },
      }),
    );
    await m.eks.send(
      new CreateNodegroupCommand({
        clusterName: 'ml',
        nodegroupName: 'gpu',
        nodeRole: `arn:aws:iam::${ACCOUNT}:role/nodes`,
        subnets: ['subnet-1'],
        instanceTypes: ['g6.xlarge'],
        scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
      }),
    );
    // Lambda: 1024 MB, 1000 invocations of 500 s in all since the deploy.
    await query(server.url, 'iam', {
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'fn',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    const zip = path.join(dir, 'fn.zip');
    const z = spawnSync('python3', [
      '-c',
      'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w") as z: z.writestr("index.js", "exports.handler=async()=>1")',
      zip,
    ]);
    expect(z.status).toBe(0);
    await m.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'resize',
        Runtime: 'nodejs20.x',
        Role: `arn:aws:iam::${ACCOUNT}:role/fn`,
        Handler: 'index.handler',
        MemorySize: 1024,
        Code: { ZipFile: fs.readFileSync(zip) },
      }),
    );
    const now = Date.now();
    const at = new Date(now - 10 * 60_000);
    const dims = [{ Name: 'FunctionName', Value: 'resize' }];
    await m.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          { MetricName: 'Invocations', Dimensions: dims, Timestamp: at, Value: 600, Unit: 'Count' },
          { MetricName: 'Invocations', Dimensions: dims, Timestamp: at, Value: 400, Unit: 'Count' },
          { MetricName: 'Duration', Dimensions: dims, Timestamp: at, Value: 500_000, Unit: 'Milliseconds' },
        ],
      }),
    );

    const est = await estimateDeployCost({
      clients: { ecs: m.ecs, cloudwatch: m.cloudwatch, lambda: m.lambda, eks: m.eks, pricing: f.pricing },
      region: 'us-east-1',
      dataDir: dir,
      now,
      since: now - 3_600_000,
      targets: {
        services: [{ cluster: 'gpu', service: 'infer' }],
        functions: ['resize'],
        eksClusters: [{ cluster: 'ml' }],
      },
    });
    expect(est.items.map((i) => [i.name, 'usdPerHour' in i ? i.usdPerHour : i.unknown])).toEqual([
      ['gpu/infer (EC2)', expect.closeTo(2 * 1.006, 10)],
      ['ml (cluster fee)', 0.1],
      ['ml/gpu', expect.closeTo(2 * 0.8048, 10)],
      // (500 GB-s × 0.0000166667 + 1000 × 0.0000002) / 1 h
      ['resize', expect.closeTo(0.00853335, 10)],
    ]);
    expect(est.items[0]).toMatchObject({
      basis: '2 × g5.xlarge (whole instances of cluster gpu; other tasks there share them)',
    });
  }, 30_000);
});
