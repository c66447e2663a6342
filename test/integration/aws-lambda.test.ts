/**
 * lambda-deploy and lambda-invoke against the local AWS endpoint with the real SDK client over HTTP (REST-JSON):
 * a zip deployed and waited for, a version published and an alias created then moved; a Failed update reported
 * with its reason; a zip over the direct-upload limit refused naming S3; secrets never in the log; access denied
 * naming the IAM action; throttling explained; an invoke that errors shows the error and the log tail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lambdaDeployStep } from '../../main/core/aws/steps/lambda-deploy';
import { lambdaInvokeStep } from '../../main/core/aws/steps/lambda-invoke';
import { jsonSubsetMismatch } from '../../main/core/aws/steps/lambda-invoke-run';
import { startFakeAws, FakeAwsState, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let clients: AwsClients;
let dir: string;

/** A tiny valid-looking zip (local file header magic + an empty central directory). */
function writeZip(name: string, content = 'exports.handler = async () => ({ ok: true });'): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([Buffer.from('PK\x03\x04', 'binary'), Buffer.from(content)]));
  return file;
}

beforeAll(async () => {
  fake = await startFakeAws({ state: new FakeAwsState() });
  clients = testClients(fake.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-lambda-'));
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const services = () => ({ aws: clients, config: testConfig(dir, { aws: { endpoint: fake.url } }) });
const ctxIn = (o: Parameters<typeof makeCtx>[1] = {}) => {
  const r = makeCtx(services(), o);
  r.ctx.projectDir = dir;
  return r;
};

describe('lambda-deploy', () => {
  test('a zip is uploaded, waited for (InProgress → Successful), published and the alias created, then moved ✅', async () => {
    const fn = fake.state.lambda.addFunction('api', { plans: [{ kind: 'successful', polls: 3 }] });
    writeZip('dist/api.zip');
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'api', zip: 'dist/api.zip', alias: 'live', interval: '10ms' }),
    );
    expect(res.summary).toContain('version 1');
    expect(res.status).toBe('passed');
    expect(r.outputs).toMatchObject({
      version: '1',
      'alias-arn': 'arn:aws:lambda:us-east-1:123456789012:function:api:live',
      'function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:api',
    });
    expect(fn.aliases.get('live')?.version).toBe('1');
    // It waited: the step saw InProgress before Successful, and published only after.
    const log = r.logs.join('');
    expect(log).toMatch(/code update: State Active, LastUpdateStatus InProgress/);
    expect(log).toMatch(/code update: State Active, LastUpdateStatus Successful/);
    expect(log).toMatch(/created alias live → version 1/);
    const ops = fake.state.requests.filter((q) => q.service === 'lambda').map((q) => q.op);
    expect(ops.indexOf('PublishVersion')).toBeGreaterThan(ops.lastIndexOf('UpdateFunctionCode'));
    const upd = fake.state.requests.find((q) => q.op === 'UpdateFunctionCode')!;
    expect(upd.accessKeyId).toBe('AKIDOFFLOADTEST');

    // A second deploy with new code publishes version 2 and moves the alias; the previous version is an output.
    writeZip('dist/api.zip', 'exports.handler = async () => ({ ok: 2 });');
    const r2 = ctxIn();
    const res2 = await lambdaDeployStep.execute(
      r2.ctx,
      step('lambda-deploy', { function: 'api', zip: 'dist/api.zip', alias: 'live', interval: '10ms' }),
    );
    expect(res2.status).toBe('passed');
    expect(r2.outputs.version).toBe('2');
    expect(r2.outputs['previous-version']).toBe('1');
    expect(fn.aliases.get('live')?.version).toBe('2');
    expect(r2.logs.join('')).toMatch(/moved alias live: version 1 → 2/);
  });

  test('a Failed update is ❌ with LastUpdateStatusReason, and nothing is published', async () => {
    const fn = fake.state.lambda.addFunction('broken', {
      plans: [
        {
          kind: 'failed',
          reason:
            'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.',
          code: 'InvalidConfiguration',
        },
      ],
    });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', {
        function: 'broken',
        environment: { BIG: 'x'.repeat(10) },
        alias: 'live',
        interval: '10ms',
      }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('configuration update failed');
    expect(res.summary).toContain('exceeded the 4KB limit');
    expect(res.summary).toContain('[InvalidConfiguration]');
    expect(fn.versions).toHaveLength(0);
    expect(fn.aliases.size).toBe(0);
  });

  test('a new function (State Pending) is waited for until Active before the update', async () => {
    fake.state.lambda.addFunction('fresh', { pendingPolls: 2 });
    writeZip('fresh.zip');
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'fresh', zip: 'fresh.zip', interval: '10ms' }),
    );
    expect(res.status).toBe('passed');
    expect(r.logs.join('')).toMatch(/before the update: State Pending, LastUpdateStatus InProgress/);
    // No ResourceConflictException: the update was sent only once the function was Active.
    expect(fake.state.requests.filter((q) => q.op === 'UpdateFunctionCode' && q.status !== 200)).toHaveLength(
      0,
    );
  });

  test('environment from outputs and secrets: merged into the current one, values never logged', async () => {
    const fn = fake.state.lambda.addFunction('envfn', { env: { KEEP: 'kept', MODEL_URL: 'old' } });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', {
        function: 'envfn',
        environment: { MODEL_URL: 'https://api.example.com', API_KEY: 'sk-very-secret-value' },
        memory: 512,
        'function-timeout': '30s',
        publish: false,
        interval: '10ms',
      }),
    );
    expect(res.status).toBe('passed');
    expect(fn.env).toEqual({
      KEEP: 'kept',
      MODEL_URL: 'https://api.example.com',
      API_KEY: 'sk-very-secret-value',
    });
    expect(fn.memory).toBe(512);
    expect(fn.timeout).toBe(30);
    expect(fn.versions).toHaveLength(0);
    const log = r.logs.join('');
    expect(log).toContain('environment (MODEL_URL, API_KEY)');
    expect(log).not.toContain('sk-very-secret-value');
    expect(JSON.stringify(r.records)).not.toContain('sk-very-secret-value');
  });

  test('a zip over 50 MB is refused plainly, suggesting S3, before any upload', async () => {
    fake.state.lambda.addFunction('huge');
    const file = path.join(dir, 'huge.zip');
    fs.writeFileSync(file, 'PK\x03\x04');
    fs.truncateSync(file, 51 * 1024 * 1024);
    const before = fake.state.count('UpdateFunctionCode');
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'huge', zip: 'huge.zip' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/51\.0 MB, over Lambda's 50 MB limit/);
    expect(res.summary).toContain('s3: {bucket, key}');
    expect(fake.state.count('UpdateFunctionCode')).toBe(before);
  });

  test('a missing zip names the file', async () => {
    fake.state.lambda.addFunction('nozip');
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'nozip', zip: 'dist/none.zip' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(`${path.join(dir, 'dist/none.zip')} does not exist`);
  });

  test('an S3 object and an image URI are sent as such', async () => {
    fake.state.lambda.addFunction('s3fn');
    fake.state.lambda.addFunction('imgfn', { packageType: 'Image' });
    const r = ctxIn();
    expect(
      (
        await lambdaDeployStep.execute(
          r.ctx,
          step('lambda-deploy', {
            function: 's3fn',
            s3: { bucket: 'art', key: 'fn/1.zip' },
            interval: '10ms',
          }),
        )
      ).status,
    ).toBe('passed');
    expect(
      (
        await lambdaDeployStep.execute(
          r.ctx,
          step('lambda-deploy', {
            function: 'imgfn',
            image: '1234.dkr.ecr.us-east-1.amazonaws.com/x:2',
            interval: '10ms',
          }),
        )
      ).status,
    ).toBe('passed');
    const bodies = fake.state.requests.filter((q) => q.op === 'UpdateFunctionCode').map((q) => q.body);
    expect(bodies).toContainEqual(expect.objectContaining({ S3Bucket: 'art', S3Key: 'fn/1.zip' }));
    expect(bodies).toContainEqual(
      expect.objectContaining({ ImageUri: '1234.dkr.ecr.us-east-1.amazonaws.com/x:2' }),
    );
  });

  test('access denied names the IAM action (lambda:UpdateFunctionCode) and the function', async () => {
    fake.state.lambda.addFunction('denied');
    writeZip('d.zip');
    fake.state.faults.push({ op: 'UpdateFunctionCode', kind: 'denied', times: 1 });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'denied', zip: 'd.zip', interval: '10ms' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('access denied');
    expect(res.summary).toContain('allow the IAM action lambda:UpdateFunctionCode on denied');
  });

  test('a denied PublishVersion names lambda:PublishVersion, not the first call', async () => {
    fake.state.lambda.addFunction('nopublish');
    fake.state.faults.push({ op: 'PublishVersion', kind: 'denied', times: 1 });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'nopublish', memory: 256, alias: 'live', interval: '10ms' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('lambda:PublishVersion');
  });

  test('throttling that outlasts the step’s budget is explained after the SDK’s retries', async () => {
    fake.state.lambda.addFunction('throttled');
    fake.state.faults.push({ op: 'GetFunctionConfiguration', kind: 'throttle' });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'throttled', memory: 256, interval: '10ms', timeout: '1s' }),
    );
    fake.state.faults = [];
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(
      /^AWS throttled for .* until the step's budget was spent: lambda:GetFunctionConfiguration \(throttled\) failed: AWS throttled the request \(still throttled after 3 attempts/,
    );
    expect(res.summary).toContain('give the step a longer timeout or interval');
  });

  test('an unknown function says it does not exist', async () => {
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'ghost', memory: 256 }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('the resource does not exist');
  });

  test('an update stuck InProgress fails at the step timeout with the state, not just "timed out"', async () => {
    fake.state.lambda.addFunction('stuck', { plans: [{ kind: 'stuck' }] });
    const r = ctxIn();
    const res = await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'stuck', memory: 256, interval: '10ms', timeout: '200ms' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      'still State Active, LastUpdateStatus InProgress (The function is being updated.)',
    );
  });
});

describe('lambda-invoke', () => {
  test('invokes what lambda-deploy published in the run and checks status and a JSON subset ✅', async () => {
    const fn = fake.state.lambda.addFunction('hello', {
      onInvoke: (event, version) => ({
        payload: { statusCode: 200, body: { echo: JSON.parse(event), version } },
      }),
    });
    const r = ctxIn();
    await lambdaDeployStep.execute(
      r.ctx,
      step('lambda-deploy', { function: 'hello', memory: 256, alias: 'live', interval: '10ms' }),
    );
    const res = await lambdaInvokeStep.execute(
      r.ctx,
      step('lambda-invoke', {
        function: 'hello',
        payload: { path: '/health' },
        body: { json: { statusCode: 200, body: { echo: { path: '/health' } } } },
      }),
    );
    expect(res.summary).toContain('hello:live');
    expect(res.status).toBe('passed');
    expect(fn.invocations).toEqual([{ version: '1', event: '{"path":"/health"}' }]);
    expect(r.outputs['status-code']).toBe('200');
    expect(r.outputs['executed-version']).toBe('1');
  });

  test('a FunctionError is ❌ with the error message and the tail of the invocation’s log', async () => {
    fake.state.lambda.addFunction('crashy', {
      onInvoke: () => ({
        functionError: 'Unhandled',
        payload: {
          errorType: 'TypeError',
          errorMessage: "Cannot read properties of undefined (reading 'id')",
          trace: [],
        },
        log: [
          '2024-01-01T00:00:00.000Z\tabc\tINFO\thandling request',
          '2024-01-01T00:00:00.001Z\tabc\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading \'id\')"}',
        ],
      }),
    });
    const r = ctxIn();
    const res = await lambdaInvokeStep.execute(
      r.ctx,
      step('lambda-invoke', { function: 'crashy', payload: 'x' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      "crashy failed (Unhandled): TypeError: Cannot read properties of undefined (reading 'id')",
    );
    expect(res.summary).toContain('log: ');
    const log = r.logs.join('');
    expect(log).toContain("line(s) of the invocation's log");
    expect(log).toContain('INFO\thandling request');
    // The invocation carried LogType Tail (that is how the log came back).
    expect(fake.state.requests.filter((q) => q.op === 'Invoke').pop()!.body).toBe('x');
  });

  test('a body that does not match names where it differs', async () => {
    fake.state.lambda.addFunction('wrong', {
      onInvoke: () => ({ payload: { statusCode: 500, body: 'oops' } }),
    });
    const r = ctxIn();
    const res = await lambdaInvokeStep.execute(
      r.ctx,
      step('lambda-invoke', { function: 'wrong', body: { json: { statusCode: 200 } } }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('$.statusCode: expected 200, got 500');
    const res2 = await lambdaInvokeStep.execute(
      r.ctx,
      step('lambda-invoke', { function: 'wrong', body: 'all good' }),
    );
    expect(res2.summary).toContain('does not contain "all good"');
  });

  test('a denied invoke names lambda:InvokeFunction', async () => {
    fake.state.lambda.addFunction('private');
    fake.state.faults.push({ op: 'Invoke', kind: 'denied', times: 1 });
    const r = ctxIn();
    const res = await lambdaInvokeStep.execute(r.ctx, step('lambda-invoke', { function: 'private' }));
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('allow the IAM action lambda:InvokeFunction');
  });

  test('JSON subset: arrays element-wise, extra keys allowed', () => {
    expect(jsonSubsetMismatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2, c: 3 }], d: 4 })).toBeUndefined();
    expect(jsonSubsetMismatch({ a: [1] }, { a: [1, 2] })).toBe('$.a: expected 1 item(s), got 2');
    expect(jsonSubsetMismatch({ a: { b: null } }, { a: {} })).toBe('$.a.b: expected null, got nothing');
  });
});
