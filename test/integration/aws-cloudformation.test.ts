/**
 * cloudformation-deploy against the local AWS endpoint with the real SDK client over HTTP (AWS Query protocol):
 * a create streamed event by event with its outputs published, "no changes" as a pass, a failed update naming
 * the first resource that failed among later cancellations and rollback lines, stuck stacks with their exact
 * next command, a failed create recreated on request, and the plain refusals (template too large for a
 * request, missing capabilities, access denied naming the IAM action).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cloudformationDeployStep,
  type CfnDeploySpec,
} from '../../main/core/aws/steps/cloudformation-deploy';
import { firstFailure } from '../../main/core/aws/cloudformation-events';
import { templateParameters } from '../../main/core/aws/cloudformation-template';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';
import type { StackEvent } from '@aws-sdk/client-cloudformation';

let fake: FakeAws;
let clients: AwsClients;
let dir: string;

beforeAll(async () => {
  fake = await startFakeAws();
  clients = testClients(fake.url, { maxAttempts: 1 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cfn-'));
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const services = () => ({
  aws: clients,
  config: testConfig(dir, { aws: { endpoint: fake.url, region: 'us-east-1' } }),
});

function template(file: string, resources: Record<string, string>, extra: Record<string, unknown> = {}) {
  const body = {
    AWSTemplateFormatVersion: '2010-09-09',
    ...extra,
    Resources: Object.fromEntries(Object.entries(resources).map(([id, Type]) => [id, { Type }])),
  };
  fs.writeFileSync(path.join(dir, file), JSON.stringify(body, null, 2));
  return file;
}

async function deploy(spec: Partial<CfnDeploySpec> & { stack: string }, runId?: string) {
  const r = makeCtx(services(), runId ? { runId } : {});
  r.ctx.projectDir = dir;
  const res = await cloudformationDeployStep.execute(
    r.ctx,
    step('cloudformation-deploy', { interval: '10ms', timeout: '30s', ...spec }),
  );
  return { ...r, res };
}

describe('cloudformation-deploy', () => {
  test('creates a stack through a change set, streams its events oldest first once each, publishes outputs ✅', async () => {
    const file = template('api.json', {
      Queue: 'AWS::SQS::Queue',
      Topic: 'AWS::SNS::Topic',
      Bucket: 'AWS::S3::Bucket',
    });
    fake.state.cloudformation.planFor('api', {
      kind: 'success',
      outputs: { ApiUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/prod', QueueName: 'api-q' },
    });
    const { res, logs, outputs } = await deploy({
      stack: 'api',
      template: file,
      parameters: { Stage: 'dev', Replicas: 2 },
      capabilities: ['CAPABILITY_IAM'],
      tags: { project: 'offload' },
    });
    expect(res.summary).toMatch(/stack api created \(3 changes\): CREATE_COMPLETE, 2 outputs/);
    expect(res.status).toBe('passed');
    expect(outputs.ApiUrl).toBe('https://abc.execute-api.us-east-1.amazonaws.com/prod');
    expect(outputs.QueueName).toBe('api-q');
    expect(outputs.stackStatus).toBe('CREATE_COMPLETE');
    expect(outputs.stackId).toMatch(/^arn:aws:cloudformation:us-east-1:\d+:stack\/api\//);
    // The request went over the Query protocol with the SDK's list encoding.
    const create = fake.state.requests.find((q) => q.op === 'CreateChangeSet')!;
    expect(create.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(create.body).toMatchObject({
      ChangeSetType: 'CREATE',
      'Parameters.member.1.ParameterKey': 'Stage',
      'Parameters.member.2.ParameterValue': '2',
      'Capabilities.member.1': 'CAPABILITY_IAM',
      'Tags.member.1.Key': 'project',
    });
    // Every event of the deploy, oldest first, each once, in the order CloudFormation recorded them.
    const stack = fake.state.cloudformation.find('api')!;
    const eventLines = logs.filter((l) => / (AWS::\S+) (\w+)/.test(l));
    expect(eventLines).toHaveLength(stack.events.length);
    expect(eventLines[0]).toMatch(/api AWS::CloudFormation::Stack REVIEW_IN_PROGRESS/);
    expect(eventLines[eventLines.length - 1]).toMatch(/api AWS::CloudFormation::Stack CREATE_COMPLETE/);
    expect(logs).toContain('  Add Queue (AWS::SQS::Queue)');
    // More events than one page of DescribeStackEvents: NextToken was followed.
    expect(stack.events.length).toBeGreaterThan(fake.state.cloudformation.eventPageSize);
  });

  test('an update with nothing to change is a pass with the stack’s outputs, and the empty change set is deleted ✅', async () => {
    const file = template('same.json', { Queue: 'AWS::SQS::Queue' });
    fake.state.cloudformation.planFor('same', { kind: 'success', outputs: { QueueUrl: 'https://q' } });
    expect((await deploy({ stack: 'same', template: file }, 'run-a')).res.status).toBe('passed');
    const executes = fake.state.count('ExecuteChangeSet');
    const again = await deploy({ stack: 'same', template: file }, 'run-b');
    expect(again.res.status).toBe('passed');
    expect(again.res.summary).toMatch(/stack same no changes: CREATE_COMPLETE/);
    expect(again.outputs.QueueUrl).toBe('https://q');
    expect(fake.state.count('ExecuteChangeSet')).toBe(executes);
    expect(fake.state.requests.filter((q) => q.op === 'DeleteChangeSet')).toHaveLength(1);
    expect(
      again.logs.some((l) => /no changes: The submitted information didn't contain changes/.test(l)),
    ).toBe(true);
  });

  test('a failed update names the FIRST failed resource, not a cancellation or the rollback line ❌', async () => {
    const v1 = template('svc-v1.json', { Role: 'AWS::SNS::Topic', Fn: 'AWS::SQS::Queue' });
    expect((await deploy({ stack: 'svc', template: v1 }, 'run-1')).res.status).toBe('passed');
    const v2 = template('svc-v2.json', {
      Role: 'AWS::SNS::Topic',
      Fn: 'AWS::SQS::Queue',
      Table: 'AWS::DynamoDB::Table',
    });
    fake.state.cloudformation.planFor('svc', {
      kind: 'resource-failure',
      resource: 'Fn',
      reason: 'Resource handler returned message: "Invalid request provided: queue name already taken"',
    });
    const { res, logs } = await deploy({ stack: 'svc', template: v2 }, 'run-2');
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      'stack svc UPDATE_ROLLBACK_COMPLETE: first failure: Fn (AWS::SQS::Queue) UPDATE_FAILED: Resource handler returned message: "Invalid request provided: queue name already taken"',
    );
    // Later lines were failures too (cancelled resources) and the rollback: all shown, none named as the cause.
    const text = logs.join('\n');
    expect(text).toMatch(/Table AWS::DynamoDB::Table UPDATE_FAILED — Resource update cancelled/);
    expect(text).toMatch(/svc AWS::CloudFormation::Stack UPDATE_ROLLBACK_COMPLETE$/m);
    expect(res.summary).not.toContain('cancelled');
    // Events of the earlier deploy are not shown again.
    expect(text).not.toMatch(/CREATE_COMPLETE/);
  });

  test('a rollback that fails leaves UPDATE_ROLLBACK_FAILED: the first failure, what could not roll back, and the exact command ❌', async () => {
    const v1 = template('db-v1.json', { Db: 'AWS::RDS::DBInstance', Sg: 'AWS::EC2::SecurityGroup' });
    expect((await deploy({ stack: 'db', template: v1 }, 'run-1')).res.status).toBe('passed');
    const v2 = template('db-v2.json', {
      Db: 'AWS::RDS::DBInstance',
      Sg: 'AWS::EC2::SecurityGroup',
      X: 'AWS::SNS::Topic',
    });
    fake.state.cloudformation.planFor('db', {
      kind: 'resource-failure',
      resource: 'Sg',
      reason: 'The security group sg-1 does not exist',
      rollbackFails: {
        resource: 'Db',
        reason: 'DB instance is in state modifying and cannot be rolled back',
      },
    });
    const { res } = await deploy({ stack: 'db', template: v2 }, 'run-2');
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      'first failure: Sg (AWS::EC2::SecurityGroup) UPDATE_FAILED: The security group sg-1 does not exist',
    );
    expect(res.summary).toContain(
      'could not roll back: Db (AWS::RDS::DBInstance) UPDATE_FAILED: DB instance is in state modifying',
    );
    expect(res.summary).toContain(
      `\`aws cloudformation continue-update-rollback --stack-name db --endpoint-url ${fake.url} --region us-east-1\``,
    );
  });

  test('a stack already UPDATE_ROLLBACK_FAILED gets the command before any change set is made ❌', async () => {
    fake.state.cloudformation.addStack({
      name: 'stuck',
      status: 'UPDATE_ROLLBACK_FAILED',
      reason: 'The following resource(s) failed to update: [Fn].',
    });
    const before = fake.state.count('CreateChangeSet');
    const { res } = await deploy({
      stack: 'stuck',
      template: template('stuck.json', { Fn: 'AWS::SQS::Queue' }),
    });
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      `aws cloudformation continue-update-rollback --stack-name stuck --endpoint-url ${fake.url} --region us-east-1`,
    );
    expect(fake.state.count('CreateChangeSet')).toBe(before);
  });

  test('a create that fails ends ROLLBACK_COMPLETE with delete-stack; recreate-on-rollback-complete deletes and creates it ❌ then ✅', async () => {
    const file = template('web.json', {
      Lb: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      Tg: 'AWS::ElasticLoadBalancingV2::TargetGroup',
    });
    fake.state.cloudformation.planFor('web', {
      kind: 'resource-failure',
      resource: 'Tg',
      reason: 'Port 99999 is out of range',
    });
    const first = await deploy({ stack: 'web', template: file }, 'run-1');
    expect(first.res.status).toBe('failed');
    expect(first.res.summary).toContain(
      'stack web ROLLBACK_COMPLETE: first failure: Tg (AWS::ElasticLoadBalancingV2::TargetGroup) CREATE_FAILED: Port 99999 is out of range',
    );
    expect(first.res.summary).toContain(
      `\`aws cloudformation delete-stack --stack-name web --endpoint-url ${fake.url} --region us-east-1\``,
    );

    // Run again without the option: refused with the same command, nothing created.
    const second = await deploy({ stack: 'web', template: file }, 'run-2');
    expect(second.res.status).toBe('failed');
    expect(second.res.summary).toMatch(
      /ROLLBACK_COMPLETE.*delete-stack --stack-name web.*recreate-on-rollback-complete: true/,
    );

    fake.state.cloudformation.planFor('web', { kind: 'success', outputs: { Url: 'http://web' } });
    const third = await deploy(
      { stack: 'web', template: file, 'recreate-on-rollback-complete': true },
      'run-3',
    );
    expect(third.res.summary).toMatch(/created/);
    expect(third.res.status).toBe('passed');
    expect(third.outputs.Url).toBe('http://web');
    expect(third.logs.join('\n')).toMatch(/web AWS::CloudFormation::Stack DELETE_COMPLETE/);
    expect(fake.state.cloudformation.stacks.filter((s) => s.name === 'web').map((s) => s.status)).toEqual([
      'DELETE_COMPLETE',
      'CREATE_COMPLETE',
    ]);
  });

  test('a template over 51,200 bytes is refused plainly, naming template-url, before any AWS call ❌', async () => {
    const big = template('big.json', { Q: 'AWS::SQS::Queue' }, { Description: 'x'.repeat(60_000) });
    const calls = fake.state.count();
    const { res } = await deploy({ stack: 'big', template: big });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(
      /template big\.json is 60,\d{3} bytes; CloudFormation takes at most 51,200 bytes inline/,
    );
    expect(res.summary).toContain('template-url');
    expect(fake.state.count()).toBe(calls);
  });

  test('a missing template says where it looked', async () => {
    const { res } = await deploy({ stack: 'none', template: 'cdk.out/Missing.template.json' });
    expect(res.status).toBe('failed');
    expect(res.summary).toContain(
      `template cdk.out/Missing.template.json not found (looked for ${path.join(dir, 'cdk.out/Missing.template.json')})`,
    );
  });

  test('IAM resources without capabilities: the step says which to add ❌', async () => {
    const file = template('iam.json', { Role: 'AWS::IAM::Role' });
    const { res } = await deploy({ stack: 'iam', template: file });
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('add `capabilities: [CAPABILITY_IAM]` to the step');
  });

  test('access denied names the IAM action that was refused ❌', async () => {
    fake.state.faults.push({ op: 'CreateChangeSet', kind: 'denied', times: 1 });
    const { res } = await deploy({ stack: 'denied', template: template('d.json', { Q: 'AWS::SQS::Queue' }) });
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(
      /^cloudformation:CreateChangeSet \(stack denied\) failed: access denied\. Fix: allow the IAM action cloudformation:CreateChangeSet/,
    );
  });

  test('an update keeps the stack’s parameters the step does not set (YAML template with short-form tags)', async () => {
    const yaml = [
      'Parameters:',
      '  Stage: {Type: String}',
      '  ImageUri: {Type: String}',
      'Resources:',
      '  Q:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      QueueName: !Sub "${Stage}-q"',
      'Outputs:',
      '  Name: {Value: !GetAtt Q.QueueName}',
    ].join('\n');
    expect([...templateParameters(yaml)!]).toEqual(['Stage', 'ImageUri']);
    fake.state.cloudformation.addStack({
      name: 'params',
      status: 'UPDATE_COMPLETE',
      parameters: { Stage: 'dev', ImageUri: 'img:1', Gone: 'x' },
    });
    fs.writeFileSync(path.join(dir, 'params.yaml'), yaml);
    await deploy({ stack: 'params', template: 'params.yaml', parameters: { ImageUri: 'img:2' } });
    const create = fake.state.requests.filter((q) => q.op === 'CreateChangeSet').pop()!;
    expect(create.body).toMatchObject({
      'Parameters.member.1.ParameterKey': 'ImageUri',
      'Parameters.member.1.ParameterValue': 'img:2',
      'Parameters.member.2.ParameterKey': 'Stage',
      'Parameters.member.2.UsePreviousValue': 'true',
    });
    // A parameter the new template no longer declares is not passed (CloudFormation would refuse it).
    expect(JSON.stringify(create.body)).not.toContain('Gone');
  });
});

describe('cloudformation-deploy template place', () => {
  test('a template that became a link out of the project after validate is refused at the run; nothing is sent', async () => {
    const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cfn-outside-')));
    fs.writeFileSync(path.join(outside, 'secret.json'), '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}');
    fs.symlinkSync(path.join(outside, 'secret.json'), path.join(dir, 'built.json'));
    const before = fake.state.requests.length;
    const { res } = await deploy({ stack: 'linked', template: 'built.json' });
    expect(res.status).toBe('failed');
    expect(res.summary).toBe(
      `template built.json resolves to ${outside}/secret.json, outside the project folder ${fs.realpathSync(dir)} (through a symbolic link); Offload only deploys templates inside the project; nothing was sent to AWS`,
    );
    expect(fake.state.requests.slice(before)).toEqual([]);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});

describe('cloudformation-deploy tags', () => {
  test('an update keeps the stack’s tags set elsewhere (CloudFormation replaces the whole set it is given)', async () => {
    const stack = fake.state.cloudformation.addStack({ name: 'tagged', status: 'UPDATE_COMPLETE' });
    stack.tags = { 'cost-center': '42', team: 'old' };
    const file = template('tagged.json', { Queue: 'AWS::SQS::Queue' });
    const { res } = await deploy({ stack: 'tagged', template: file, tags: { team: 'ml' } }, 'run-7');
    expect(res.status).toBe('passed');
    expect(fake.state.cloudformation.find('tagged')!.tags).toEqual({
      'cost-center': '42',
      team: 'ml',
      'offload:project': expect.any(String),
    });
  });
});

describe('firstFailure', () => {
  test('skips cancellations and the stack’s own lines; falls back to the stack’s reason', () => {
    const ev = (
      LogicalResourceId: string,
      ResourceStatus: string,
      ResourceStatusReason?: string,
      ResourceType = 'AWS::X',
    ) =>
      ({
        StackId: 's',
        StackName: 's',
        EventId: `${LogicalResourceId}-${ResourceStatus}`,
        Timestamp: new Date(0),
        LogicalResourceId,
        ResourceStatus,
        ResourceStatusReason,
        ResourceType,
      }) as StackEvent;
    expect(
      firstFailure(
        [
          ev('s', 'UPDATE_IN_PROGRESS', 'User Initiated', 'AWS::CloudFormation::Stack'),
          ev('A', 'UPDATE_FAILED', 'Resource update cancelled'),
          ev('B', 'UPDATE_FAILED', 'real cause'),
          ev(
            's',
            'UPDATE_ROLLBACK_IN_PROGRESS',
            'The following resource(s) failed to update: [A, B].',
            'AWS::CloudFormation::Stack',
          ),
          ev('C', 'UPDATE_FAILED', 'rollback trouble'),
        ],
        's',
      )?.LogicalResourceId,
    ).toBe('B');
    expect(
      firstFailure([ev('s', 'ROLLBACK_IN_PROGRESS', 'Transform failed', 'AWS::CloudFormation::Stack')], 's')
        ?.ResourceStatusReason,
    ).toBe('Transform failed');
  });
});
