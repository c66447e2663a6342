/**
 * lambda-deploy against moto's server (an independent implementation of the Lambda REST-JSON API), so the step
 * is checked against more than the project's own fixture: CreateFunction in the test (a real zip and an IAM
 * role moto knows), then a deploy of new code and environment that publishes a version and creates the alias,
 * and a second deploy that moves it.
 *
 * Gaps (moto 5.2): Invoke runs the function in Docker (a Lambda runtime image pulled from the network), so
 * lambda-invoke is not run here — it is covered by the local endpoint (test/integration/aws-lambda.test.ts).
 * moto reports LastUpdateStatus Successful at once (no InProgress), so waiting is covered by the local endpoint
 * too. @aws-sdk/client-iam is not a dependency: the role is created with one plain IAM Query request (moto does
 * not check signatures).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { lambdaDeployStep } from '../../main/core/aws/steps/lambda-deploy';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

const moto = motoAvailable();
const ROLE = 'arn:aws:iam::123456789012:role/offload-test-lambda';

/** A real zip with one file, written by python3's zipfile (moto's dependency, so present wherever moto is). */
function zip(file: string, source: string): void {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w") as z: z.writestr("index.js", sys.argv[2])',
      file,
      source,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
}

describe.skipIf(!moto.ok)(`lambda-deploy against moto (${moto.why})`, () => {
  let server: MotoServer;
  let clients: AwsClients;
  let dir: string;
  const sdk = () => require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');

  beforeAll(async () => {
    server = await startMoto();
    clients = testClients(server.url, { timeout: '10s' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-lambda-moto-'));
  }, 60_000);
  afterAll(async () => {
    clients?.destroy();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await server.reset();
    // IAM CreateRole over the Query protocol (moto routes by the credential scope's service).
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDOFFLOADTEST/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({
        Action: 'CreateRole',
        Version: '2010-05-08',
        RoleName: 'offload-test-lambda',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }).toString(),
    });
    expect(res.status).toBe(200);
    zip(path.join(dir, 'v1.zip'), 'exports.handler = async () => ({ v: 1 });');
    await clients.lambda.send(
      new (sdk().CreateFunctionCommand)({
        FunctionName: 'moto-api',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: fs.readFileSync(path.join(dir, 'v1.zip')) },
        Environment: { Variables: { KEEP: 'kept' } },
      }),
    );
  });

  const services = () => ({ aws: clients, config: testConfig(dir, { aws: { endpoint: server.url } }) });

  test('new code and environment: published as a version, alias created, then moved by a second deploy ✅', async () => {
    zip(path.join(dir, 'v2.zip'), 'exports.handler = async () => ({ v: 2 });');
    const r = makeCtx(services());
    r.ctx.projectDir = dir;
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', {
        function: 'moto-api',
        zip: 'v2.zip',
        environment: { MODEL_URL: 'https://models.example.com' },
        alias: 'live',
        interval: '50ms',
      }),
    );
    expect(res.summary).toContain('code and configuration');
    expect(res.status).toBe('passed');
    expect(r.outputs['function-arn']).toBe('arn:aws:lambda:us-east-1:123456789012:function:moto-api');
    expect(r.outputs['alias-arn']).toMatch(/function:moto-api:live$/);
    const version = r.outputs.version!;
    expect(version).toMatch(/^\d+$/);

    // moto's own view agrees: the alias points at the published version, the environment was merged.
    const alias = await clients.lambda.send(
      new (sdk().GetAliasCommand)({ FunctionName: 'moto-api', Name: 'live' }),
    );
    expect(alias.FunctionVersion).toBe(version);
    const cfg = await clients.lambda.send(
      new (sdk().GetFunctionConfigurationCommand)({ FunctionName: 'moto-api' }),
    );
    expect(cfg.Environment?.Variables).toEqual({ KEEP: 'kept', MODEL_URL: 'https://models.example.com' });

    zip(path.join(dir, 'v3.zip'), 'exports.handler = async () => ({ v: 3 });');
    const r2 = makeCtx(services());
    r2.ctx.projectDir = dir;
    const res2 = await lambdaDeployStep.execute(
      r2.ctx,
      step('lambda-deploy', { function: 'moto-api', zip: 'v3.zip', alias: 'live', interval: '50ms' }),
    );
    expect(res2.status).toBe('passed');
    expect(r2.outputs['previous-version']).toBe(version);
    expect(Number(r2.outputs.version)).toBeGreaterThan(Number(version));
    const moved = await clients.lambda.send(
      new (sdk().GetAliasCommand)({ FunctionName: 'moto-api', Name: 'live' }),
    );
    expect(moved.FunctionVersion).toBe(r2.outputs.version);
  });

  test('an unknown function is a plain "does not exist", from moto’s real error', async () => {
    const r = makeCtx(services());
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'nope', memory: 256 }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      'lambda:GetFunctionConfiguration (nope) failed: the resource does not exist',
    );
  });

  test.skip('lambda-invoke: moto runs Invoke in Docker with a Lambda runtime image from the network — not available here; covered by the local endpoint', () =>
    undefined);
});
