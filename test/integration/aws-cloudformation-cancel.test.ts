/**
 * cloudformation-deploy says what goes on in AWS when the user is not there to see it (issues 16 and 22):
 * cancelled after the change set executed, it says the stack operation continues and how to follow or stop it
 * (with the endpoint, region and profile in use); the next run names the resource that failed last time rather
 * than only ROLLBACK_COMPLETE; with `recreate-on-rollback-complete: true` it never advises setting it; a
 * template that does not parse is reported with file:line:column before any AWS call. Real SDK, local endpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cloudformationDeployStep,
  type CfnDeploySpec,
} from '../../main/core/aws/steps/cloudformation-deploy';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws();
  clients = testClients(fake.url, { maxAttempts: 1 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cfn-cancel-'));
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const services = () => ({
  aws: clients,
  config: testConfig(dir, { aws: { endpoint: fake.url, region: 'us-east-1', profile: 'dev' } }),
});

function template(file: string, resources: Record<string, string>): string {
  const body = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: Object.fromEntries(Object.entries(resources).map(([id, Type]) => [id, { Type }])),
  };
  fs.writeFileSync(path.join(dir, file), JSON.stringify(body, null, 2));
  return file;
}

async function deploy(spec: Partial<CfnDeploySpec> & { stack: string }, signal?: AbortSignal) {
  const r = makeCtx(services(), signal ? { signal } : {});
  r.ctx.projectDir = dir;
  const res = await cloudformationDeployStep.execute(
    r.ctx,
    step('cloudformation-deploy', { interval: '20ms', timeout: '30s', ...spec }),
  );
  return { ...r, res };
}

/** Deploys, aborting as soon as ExecuteChangeSet was sent (the user's Ctrl-C at the worst moment). */
async function cancelAfterExecute(spec: Partial<CfnDeploySpec> & { stack: string }) {
  const abort = new AbortController();
  const before = fake.state.requests.length;
  const t = setInterval(() => {
    if (fake.state.requests.slice(before).some((q) => q.op === 'ExecuteChangeSet')) {
      clearInterval(t);
      abort.abort(new Error('cancelled'));
    }
  }, 1);
  try {
    return await deploy(spec, abort.signal);
  } finally {
    clearInterval(t);
  }
}

const flags = () => `--endpoint-url ${fake.url} --region us-east-1 --profile dev`;

describe('cancelling cloudformation-deploy after the change set executed', () => {
  test('an update: says it goes on in AWS, how to follow it and the cancel-update-stack command', async () => {
    const file = template('app.json', { Q: 'AWS::SQS::Queue' });
    expect((await deploy({ stack: 'app', template: file })).res.status).toBe('passed');
    template('app.json', { Q: 'AWS::SQS::Queue', T: 'AWS::SNS::Topic' });
    const { res, logs } = await cancelAfterExecute({ stack: 'app', template: file });
    expect(res.summary).toContain('the stack update goes on in AWS');
    expect(res.summary).toContain(`\`aws cloudformation describe-stack-events --stack-name app ${flags()}\``);
    expect(res.summary).toContain(`\`aws cloudformation cancel-update-stack --stack-name app ${flags()}\``);
    expect(logs.some((l) => l.includes('goes on in AWS'))).toBe(true);
  });

  test('a creation: cancel-update-stack does not apply, delete-stack does', async () => {
    const file = template('fresh.json', { Q: 'AWS::SQS::Queue' });
    const { res } = await cancelAfterExecute({ stack: 'fresh', template: file });
    expect(res.summary).toContain('the stack creation goes on in AWS');
    expect(res.summary).toContain(`\`aws cloudformation delete-stack --stack-name fresh ${flags()}\``);
    expect(res.summary).not.toContain('cancel-update-stack');
  });
});

describe('a stack left ROLLBACK_COMPLETE', () => {
  test('the next run names the resource that failed and why, not only the status', async () => {
    const file = template('web.json', { Tg: 'AWS::ElasticLoadBalancingV2::TargetGroup' });
    fake.state.cloudformation.planFor('web', {
      kind: 'resource-failure',
      resource: 'Tg',
      reason: 'Port 99999 is out of range',
    });
    expect((await deploy({ stack: 'web', template: file })).res.status).toBe('failed');
    const next = await deploy({ stack: 'web', template: file });
    expect(next.res.status).toBe('failed');
    expect(next.res.summary).toContain(
      'its last operation failed on Tg (AWS::ElasticLoadBalancingV2::TargetGroup) CREATE_FAILED: Port 99999 is out of range',
    );
    expect(next.res.summary).toContain(`delete-stack --stack-name web ${flags()}`);
  });

  test('with recreate-on-rollback-complete already set, it is not advised', async () => {
    const file = template('api.json', { Fn: 'AWS::Lambda::Function' });
    fake.state.cloudformation.planFor('api', {
      kind: 'resource-failure',
      resource: 'Fn',
      reason: 'bad role',
    });
    const { res } = await deploy({ stack: 'api', template: file, 'recreate-on-rollback-complete': true });
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('ROLLBACK_COMPLETE');
    expect(res.summary).toContain('Fn (AWS::Lambda::Function) CREATE_FAILED: bad role');
    expect(res.summary).not.toContain('set `recreate-on-rollback-complete: true`');
    expect(res.summary).toContain('this step recreates it');
  });
});

describe('a template that does not parse', () => {
  test('YAML: file:line:column, and nothing is sent to AWS', async () => {
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: !Ref Name\n',
    );
    const calls = fake.state.requests.length;
    const { res } = await deploy({ stack: 'bad', template: 'bad.yaml' });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^template bad\.yaml:\d+:\d+: .+ \(nothing was sent to AWS\)$/);
    expect(fake.state.requests.length).toBe(calls);
  });

  test('JSON: the line and column of the syntax error', async () => {
    fs.writeFileSync(
      path.join(dir, 'bad.json'),
      '{\n  "Resources": {\n    "Q": { "Type": "AWS::SQS::Queue", }\n  }\n}\n',
    );
    const calls = fake.state.requests.length;
    const { res } = await deploy({ stack: 'badj', template: 'bad.json' });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(/^template bad\.json:3:\d+: /);
    expect(fake.state.requests.length).toBe(calls);
  });

  test('CloudFormation short-form tags parse (no false alarm)', async () => {
    fs.writeFileSync(
      path.join(dir, 'ok.yaml'),
      'Parameters:\n  Name: { Type: String, Default: q }\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Name\n      Tags: [{ Key: a, Value: !Sub "${Name}-x" }]\n',
    );
    const { res } = await deploy({ stack: 'okyaml', template: 'ok.yaml' });
    expect(res.summary).not.toMatch(/^template ok\.yaml:/);
    expect(res.status).toBe('passed');
  });
});
