/**
 * Offload's tags (offload:project, offload:deployment) reach the real resources the deploy kinds touch, read
 * back from moto as a user would (DescribeStacks Tags, Lambda ListTags, ECS ListTagsForResource and the
 * service's propagateTags); tags set in offload.yml win and a user's own tags are kept. A refused
 * lambda:TagResource (a real 127.0.0.1 server in Lambda's error shape) is said, not fatal.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { cloudformationDeployStep } from '../../main/core/aws/steps/cloudformation-deploy';
import { ecsDeployStep } from '../../main/core/aws/steps/ecs-deploy';
import { lambdaDeployStep } from '../../main/core/aws/steps/lambda-deploy';
import { tagLambdaFunction } from '../../main/core/aws/offload-tags';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

const moto = motoAvailable();

describe.skipIf(!moto.ok)(`Offload's tags on what it deploys, read back from moto (${moto.why})`, () => {
  let server: MotoServer;
  let clients: AwsClients;
  let dir: string;

  beforeAll(async () => {
    server = await startMoto();
    clients = testClients(server.url, { timeout: '10s' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-tags-moto-'));
  }, 60_000);
  afterAll(async () => {
    clients?.destroy();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => server.reset());

  const ctx = (runId: string) => {
    const r = makeCtx(
      { aws: clients, config: testConfig(dir, { aws: { endpoint: server.url } }, 'chatbot') },
      { runId },
    );
    r.ctx.projectDir = dir;
    return r;
  };

  test('cloudformation-deploy: the stack carries project and deployment beside the user’s tags; a tag the user set wins', async () => {
    fs.writeFileSync(
      path.join(dir, 'stack.json'),
      JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'tq' } } } }),
    );
    const res = await cloudformationDeployStep.execute(
      ctx('20261207-0932-ab12').ctx,
      step('cloudformation-deploy', {
        stack: 'tagged',
        template: 'stack.json',
        tags: { owner: 'ml-team', 'offload:project': 'billing-name' },
        interval: '50ms',
        timeout: '60s',
      }),
    );
    expect(res.status).toBe('passed');
    const cfn = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
    const d = await clients.cloudformation.send(new cfn.DescribeStacksCommand({ StackName: 'tagged' }));
    const tags = Object.fromEntries((d.Stacks?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    // The project's tag only: a run id on the stack would make every deploy a change to every resource.
    expect(tags).toEqual({ owner: 'ml-team', 'offload:project': 'billing-name' });
  });

  test('lambda-deploy: the function gets both tags, its other tags kept; a later deploy moves the deployment tag', async () => {
    const lambda = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
    const res0 = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDOFFLOADTEST/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({
        Action: 'CreateRole',
        Version: '2010-05-08',
        RoleName: 'tags-lambda',
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }).toString(),
    });
    expect(res0.status).toBe(200);
    const zip = path.join(dir, 'f.zip');
    const z = spawnSync('python3', [
      '-c',
      'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w") as z: z.writestr("index.js", "exports.handler=async()=>1")',
      zip,
    ]);
    expect(z.status).toBe(0);
    await clients.lambda.send(
      new lambda.CreateFunctionCommand({
        FunctionName: 'tagged-fn',
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::123456789012:role/tags-lambda',
        Handler: 'index.handler',
        Code: { ZipFile: fs.readFileSync(zip) },
        Tags: { team: 'ml' },
      }),
    );
    const deploy = (runId: string) =>
      lambdaDeployStep.execute(
        ctx(runId).ctx,
        step('lambda-deploy', { function: 'tagged-fn', zip: 'f.zip', alias: 'live', interval: '50ms' }),
      );
    expect((await deploy('run-a')).status).toBe('passed');
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:tagged-fn';
    const first = await clients.lambda.send(new lambda.ListTagsCommand({ Resource: arn }));
    expect(first.Tags).toEqual({ team: 'ml', 'offload:project': 'chatbot', 'offload:deployment': 'run-a' });
    expect((await deploy('run-b')).status).toBe('passed');
    const second = await clients.lambda.send(new lambda.ListTagsCommand({ Resource: arn }));
    expect(second.Tags).toEqual({ team: 'ml', 'offload:project': 'chatbot', 'offload:deployment': 'run-b' });
  });

  test('ecs-deploy with an image: the new revision carries the old revision’s tags plus Offload’s, and the service propagates them to its tasks', async () => {
    const ecs = require('@aws-sdk/client-ecs') as typeof import('@aws-sdk/client-ecs');
    await clients.ecs.send(new ecs.CreateClusterCommand({ clusterName: 'dev' }));
    const td = await clients.ecs.send(
      new ecs.RegisterTaskDefinitionCommand({
        family: 'api',
        containerDefinitions: [{ name: 'app', image: 'api:v1', memory: 512, essential: true }],
        tags: [
          { key: 'cost-center', value: '42' },
          { key: 'offload:deployment', value: 'an-older-run' },
        ],
      }),
    );
    await clients.ecs.send(
      new ecs.CreateServiceCommand({
        cluster: 'dev',
        serviceName: 'api',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
      }),
    );
    const r = ctx('run-ecs');
    const res = await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'api', image: 'api:v2' }),
    );
    expect(res.status).toBe('passed');
    const tags = await clients.ecs.send(
      new ecs.ListTagsForResourceCommand({ resourceArn: r.outputs.taskDefinition }),
    );
    expect(Object.fromEntries((tags.tags ?? []).map((t) => [t.key, t.value]))).toEqual({
      'cost-center': '42',
      'offload:project': 'chatbot',
      'offload:deployment': 'run-ecs',
    });
    const svc = await clients.ecs.send(
      new ecs.DescribeServicesCommand({ cluster: 'dev', services: ['api'] }),
    );
    expect(svc.services?.[0]?.propagateTags).toBe('TASK_DEFINITION');
  });
});

describe('a refused lambda:TagResource does not fail the deploy', () => {
  test('the refusal comes back in words, naming the keys, the action and the consequence', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'AccessDeniedException',
        });
        res.end(
          JSON.stringify({
            Message:
              'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:TagResource',
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const clients = testClients(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      maxAttempts: 1,
    });
    try {
      const said = await tagLambdaFunction(
        clients.lambda,
        'arn:aws:lambda:us-east-1:123456789012:function:api',
        { 'offload:project': 'chatbot', 'offload:deployment': 'r1' },
      );
      expect(seen).toEqual(['POST /2017-03-31/tags/arn:aws:lambda:us-east-1:123456789012:function:api']);
      expect(said).toBe(
        'not tagged with offload:project, offload:deployment (lambda:TagResource: AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:TagResource); the actual cost of this function will not show under the project',
      );
    } finally {
      clients.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
