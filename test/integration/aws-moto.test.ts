/**
 * The AWS step kinds against moto's server (an independent implementation of the AWS protocols), with the real
 * SDK clients: what our own fixture only agrees with itself on. Skipped, with the reason, where moto is absent.
 *
 * moto 5.2 gaps found here (tests do not expect these from it; the local fixture covers them):
 * - CloudFormation: a stack created or updated through a change set has no Outputs (CreateStack's has);
 *   only stack-level events are recorded (no per-resource events, so no resource failures or rollbacks);
 *   unknown resource types still end CREATE_COMPLETE; CreateChangeSet refuses a stack id (ARN) as StackName,
 *   and refuses an unchanged update that passes parameters with ValidationError "No updates are to be performed."
 *   instead of a FAILED change set (the step treats both as no changes).
 * - CloudWatch Logs FilterLogEvents: OR terms (`?ERROR ?Error`) match every event, so the default pattern is
 *   useless against moto; single terms and quoted phrases work.
 * - CloudWatch GetMetricData: percentile statistics (p95) crash the server (HTTP 500); metric math answers
 *   no data.
 * - ECS services do not roll out (deployments stay as created), so ecs-wait-stable is not run here.
 * - GetMetricData truncates StartTime/EndTime to whole seconds (a datapoint from the current second is outside).
 * - Alarms change state only through SetAlarmState; Lambda invocation needs Docker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { cloudformationDeployStep } from '../../main/core/aws/steps/cloudformation-deploy';
import { cloudwatchLogsCleanStep } from '../../main/core/aws/steps/cloudwatch-logs-clean';
import { cloudwatchMetricStep } from '../../main/core/aws/steps/cloudwatch-metric';
import { cloudwatchAlarmsOkStep } from '../../main/core/aws/steps/cloudwatch-alarms-ok';
import { ecsDeployStep } from '../../main/core/aws/steps/ecs-deploy';
import { LogErrorWatch } from '../../main/core/aws/logs';
import { newRunId } from '../../main/core/history/run-id';
import type { AwsClients } from '../../main/core/aws/clients';
import { motoAvailable, startMoto, type MotoServer } from '../fixtures/moto/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';

const moto = motoAvailable();
let server: MotoServer;
let clients: AwsClients;
let dir: string;

describe.skipIf(!moto.ok)(`against moto (${moto.why})`, () => {
  beforeAll(async () => {
    server = await startMoto();
    clients = testClients(server.url, { maxAttempts: 1, timeout: '10s' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-moto-'));
  }, 60_000);
  afterAll(async () => {
    clients?.destroy();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => server.reset());

  const services = () => ({
    aws: clients,
    config: testConfig(dir, { aws: { endpoint: server.url, region: 'us-east-1' } }),
  });
  const ctx = (runId?: string) => {
    const r = makeCtx(services(), runId ? { runId } : {});
    r.ctx.projectDir = dir;
    return r;
  };

  test('cloudformation-deploy creates an SQS queue + SNS topic stack, then an unchanged template is "no changes" ✅', async () => {
    const template = {
      Parameters: { QueueName: { Type: 'String' } },
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'QueueName' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'offload-moto-topic' } },
      },
      Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
    };
    fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify(template));
    const spec = {
      stack: 'offload-moto',
      template: 'stack.json',
      parameters: { QueueName: 'offload-q' },
      interval: '50ms',
      timeout: '60s',
    };
    const first = ctx('run-1');
    const res = await cloudformationDeployStep.execute(first.ctx, step('cloudformation-deploy', spec));
    expect(res.summary).toMatch(/stack offload-moto created \(2 changes\): CREATE_COMPLETE/);
    expect(res.status).toBe('passed');
    expect(first.outputs.stackStatus).toBe('CREATE_COMPLETE');
    expect(first.logs.join('\n')).toMatch(/offload-moto AWS::CloudFormation::Stack CREATE_COMPLETE/);
    // The resources exist in moto (moto gives change-set stacks no Outputs: see the header).
    const cfn = new CloudFormationClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'offload-moto' }));
    cfn.destroy();
    expect(resources.StackResources?.map((r) => [r.LogicalResourceId, r.PhysicalResourceId])).toEqual([
      ['Queue', expect.stringContaining('offload-q')],
      ['Topic', expect.stringContaining('offload-moto-topic')],
    ]);

    const again = ctx('run-2');
    const res2 = await cloudformationDeployStep.execute(again.ctx, step('cloudformation-deploy', spec));
    expect(res2.summary).toMatch(/no changes/);
    expect(res2.status).toBe('passed');
    expect(res2.summary).toMatch(/no changes/);
  });

  test('cloudformation-deploy updates a stack (an added resource) through moto ✅', async () => {
    const base = { Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'upd-q1' } } } };
    fs.writeFileSync(path.join(dir, 'upd.json'), JSON.stringify(base));
    const spec = { stack: 'offload-upd', template: 'upd.json', interval: '50ms', timeout: '60s' };
    expect(
      (await cloudformationDeployStep.execute(ctx('run-1').ctx, step('cloudformation-deploy', spec))).status,
    ).toBe('passed');
    const more = {
      Resources: {
        ...base.Resources,
        Queue2: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'upd-q2' } },
      },
    };
    fs.writeFileSync(path.join(dir, 'upd.json'), JSON.stringify(more));
    const r = ctx('run-2');
    const res = await cloudformationDeployStep.execute(r.ctx, step('cloudformation-deploy', spec));
    expect(res.summary).toMatch(/updated .*UPDATE_COMPLETE/);
    expect(r.logs).toContain('  Add Queue2 (AWS::SQS::Queue)');
    // Only this deploy's events are shown.
    expect(r.logs.join('\n')).not.toMatch(/CREATE_COMPLETE/);
  });

  test('cloudwatch-logs-clean against moto logs: clean ✅, then an ERROR line since the run ❌ with its stream', async () => {
    const g = '/ecs/moto-api';
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await clients.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'app/1' }));
    const now = Date.now();
    await clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: g,
        logStreamName: 'app/1',
        logEvents: [
          { timestamp: now - 10 * 60_000, message: 'ERROR from an older deploy' },
          { timestamp: now - 1000, message: 'GET /health 200' },
        ],
      }),
    );
    const runId = newRunId(new Date(now - 5 * 60_000));
    // A single term: moto matches every event for OR patterns (see the header).
    const spec = { 'log-groups': [g], pattern: 'ERROR' };
    const ok = await cloudwatchLogsCleanStep.execute(ctx(runId).ctx, step('cloudwatch-logs-clean', spec));
    expect(ok.status).toBe('passed');
    await clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: g,
        logStreamName: 'app/1',
        logEvents: [{ timestamp: Date.now(), message: 'ERROR connection refused to db:5432' }],
      }),
    );
    const r = ctx(runId);
    const bad = await cloudwatchLogsCleanStep.execute(r.ctx, step('cloudwatch-logs-clean', spec));
    expect(bad.status).toBe('failed');
    expect(bad.summary).toMatch(
      /^1 error line in \/ecs\/moto-api since .*; first: \[app\/1\] ERROR connection refused to db:5432$/,
    );
    expect(bad.summary).not.toContain('older deploy');
  });

  test('cloudwatch-metric against moto: PutMetricData, then Sum = 0 ❌ and Maximum < 1000 ✅; no data fails', async () => {
    // moto truncates EndTime to the second: a datapoint from this very second would fall outside the window.
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    await clients.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Offload/Moto',
        MetricData: [
          {
            MetricName: 'Errors',
            Dimensions: [{ Name: 'Service', Value: 'api' }],
            Value: 2,
            Timestamp: tenSecondsAgo,
          },
          {
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Service', Value: 'api' }],
            Value: 420,
            Unit: 'Milliseconds',
            Timestamp: tenSecondsAgo,
          },
          {
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Service', Value: 'api' }],
            Value: 610,
            Unit: 'Milliseconds',
            Timestamp: tenSecondsAgo,
          },
        ],
      }),
    );
    const dims = { Service: 'api' };
    const errors = await cloudwatchMetricStep.execute(
      ctx().ctx,
      step('cloudwatch-metric', {
        namespace: 'Offload/Moto',
        metric: 'Errors',
        dimensions: dims,
        stat: 'Sum',
        threshold: '= 0',
      }),
    );
    expect(errors.status).toBe('failed');
    expect(errors.summary).toMatch(/Errors \{Service=api\} Sum = 2 at .* threshold = 0/);
    const latency = ctx();
    const ok = await cloudwatchMetricStep.execute(
      latency.ctx,
      step('cloudwatch-metric', {
        namespace: 'Offload/Moto',
        metric: 'Latency',
        dimensions: dims,
        stat: 'Maximum',
        threshold: '< 1000',
      }),
    );
    expect(ok.status).toBe('passed');
    expect(latency.outputs.value).toBe('610');
    const none = await cloudwatchMetricStep.execute(
      ctx().ctx,
      step('cloudwatch-metric', {
        namespace: 'Offload/Moto',
        metric: 'Errors',
        dimensions: { Service: 'other' },
        stat: 'Sum',
        threshold: '= 0',
      }),
    );
    expect(none.status).toBe('failed');
    expect(none.summary).toContain('no data in the last 5m');
  });

  test('ecs-deploy against moto registers a new task-definition revision and updates the service ✅', async () => {
    await clients.ecs.send(new CreateClusterCommand({ clusterName: 'dev' }));
    const td = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'api',
        containerDefinitions: [{ name: 'app', image: 'api:v1', memory: 512, essential: true }],
        cpu: '256',
        memory: '512',
      }),
    );
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'dev',
        serviceName: 'api',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: 1,
      }),
    );
    const r = ctx();
    const res = await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'api', image: 'api:v2' }),
    );
    expect(res.status).toBe('passed');
    expect(r.outputs.taskDefinition).toMatch(/task-definition\/api:2$/);
    expect(r.outputs.previousTaskDefinition).toMatch(/task-definition\/api:1$/);
    const desc = await clients.ecs.send(
      new (await import('@aws-sdk/client-ecs')).DescribeTaskDefinitionCommand({ taskDefinition: 'api:2' }),
    );
    expect(desc.taskDefinition?.containerDefinitions?.[0]?.image).toBe('api:v2');
    expect(desc.taskDefinition?.cpu).toBe('256');
  });

  test('cloudwatch-alarms-ok against moto: SetAlarmState ALARM ❌, OK ✅, an unknown name ❌', async () => {
    await clients.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'api-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await clients.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'api-5xx',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 14 > 5',
      }),
    );
    const firing = await cloudwatchAlarmsOkStep.execute(
      ctx().ctx,
      step('cloudwatch-alarms-ok', { names: ['api-5xx'] }),
    );
    expect(firing.status).toBe('failed');
    expect(firing.summary).toBe('in ALARM: api-5xx (Threshold Crossed: 14 > 5)');
    await clients.cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'api-5xx', StateValue: 'OK', StateReason: 'back to normal' }),
    );
    const ok = await cloudwatchAlarmsOkStep.execute(
      ctx().ctx,
      step('cloudwatch-alarms-ok', { names: ['api-5xx'] }),
    );
    expect(ok.status).toBe('passed');
    const unknown = await cloudwatchAlarmsOkStep.execute(
      ctx().ctx,
      step('cloudwatch-alarms-ok', { names: ['api-5xx', 'missing'] }),
    );
    expect(unknown.summary).toBe('unknown alarm(s): missing');
  });

  test('the log error watch reads new matching lines from moto once each, across a restart', async () => {
    const g = '/ecs/moto-watch';
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await clients.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const stateFile = path.join(dir, 'cursor.json');
    const groups = [{ name: g, filterPattern: 'ERROR', windowMs: 60_000 }];
    const put = (messages: string[]) =>
      clients.logs.send(
        new PutLogEventsCommand({
          logGroupName: g,
          logStreamName: 's',
          logEvents: messages.map((message, i) => ({ timestamp: Date.now() + i, message })),
        }),
      );
    await put(['ERROR one', 'fine', 'ERROR two']);
    const w1 = new LogErrorWatch({ client: clients.logs, groups, stateFile });
    expect((await w1.pollGroup(groups[0]!)).map((e) => e.message)).toEqual(['ERROR one', 'ERROR two']);
    expect(await w1.pollGroup(groups[0]!)).toEqual([]);
    await put(['ERROR three']);
    const w2 = new LogErrorWatch({ client: clients.logs, groups, stateFile }); // a restart
    expect((await w2.pollGroup(groups[0]!)).map((e) => e.message)).toEqual(['ERROR three']);
  });
});
