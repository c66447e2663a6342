/**
 * ECS step kinds against the local AWS endpoint with the real SDK clients: deploy then wait-stable, a failing
 * rollout reported with the stopped tasks' reasons, a circuit-breaker rollback reported as a failure.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ecsDeployStep } from '../../main/core/aws/steps/ecs-deploy';
import { ecsWaitStableStep } from '../../main/core/aws/steps/ecs-wait-stable';
import { cloudwatchAlarmsOkStep } from '../../main/core/aws/steps/cloudwatch-alarms-ok';
import { startFakeAws, FakeAwsState, type FakeAws } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let clients: AwsClients;

beforeAll(async () => {
  fake = await startFakeAws({ state: new FakeAwsState() });
  clients = testClients(fake.url);
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
});

const services = () => ({ aws: clients, config: testConfig('/tmp', { aws: { endpoint: fake.url } }) });

describe('ecs-deploy + ecs-wait-stable', () => {
  test('a new image is registered as a new revision, rolled out, and waited for until stable ✅', async () => {
    fake.state.addService({
      cluster: 'dev',
      service: 'api',
      image: 'api:v1',
      desired: 2,
      plan: { kind: 'healthy', ticks: 3 },
    });
    const r = makeCtx(services());
    const dep = await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'api', image: 'api:v2' }),
    );
    expect(dep.status).toBe('passed');
    expect(r.outputs.taskDefinition).toMatch(/task-definition\/api:2$/);
    expect(r.outputs.previousTaskDefinition).toMatch(/task-definition\/api:1$/);
    // The registered revision carries the new image and keeps the rest of the definition.
    const td = fake.state.taskDefs.get(r.outputs.taskDefinition!)!;
    expect(td.containerDefinitions[0]!.image).toBe('api:v2');
    expect(td.cpu).toBe('256');
    expect(td.executionRoleArn).toMatch(/ecsTaskExecutionRole/);
    // The request went over the real wire protocol.
    const reg = fake.state.requests.find((q) => q.op === 'RegisterTaskDefinition')!;
    expect(reg.contentType).toBe('application/x-amz-json-1.1');
    expect(reg.accessKeyId).toBe('AKIDOFFLOADTEST');

    const wait = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['api'], interval: '10ms', timeout: '20s' }),
    );
    expect(wait.summary).toContain('stable');
    expect(wait.status).toBe('passed');
    expect(fake.state.service('dev', 'api').deployments).toHaveLength(1);
    expect(r.logs.some((l) => /rollout IN_PROGRESS: \d\/2 running/.test(l))).toBe(true);
  });

  test('force without image starts a new deployment of the same task definition', async () => {
    fake.state.addService({ cluster: 'dev', service: 'worker', plan: { kind: 'healthy', ticks: 1 } });
    const r = makeCtx(services());
    const dep = await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'worker', force: true }),
    );
    expect(dep.status).toBe('passed');
    expect(r.outputs.taskDefinition).toBe(r.outputs.previousTaskDefinition);
    const upd = fake.state.requests.filter((q) => q.op === 'UpdateService').pop()!;
    expect(upd.body).toMatchObject({ forceNewDeployment: true });
  });

  test('a failing rollout fails early with the stopped tasks’ reason and the service events ❌', async () => {
    fake.state.addService({
      cluster: 'dev',
      service: 'inference',
      plan: { kind: 'failing', reason: 'Essential container in task exited: CUDA out of memory' },
    });
    const r = makeCtx(services());
    await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'inference', image: 'inference:bad' }),
    );
    const wait = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', {
        cluster: 'dev',
        services: ['inference'],
        interval: '10ms',
        timeout: '30s',
        'max-stopped-tasks': 3,
      }),
    );
    expect(wait.status).toBe('failed');
    expect(wait.summary).toContain('3 new tasks stopped');
    expect(wait.summary).toContain('CUDA out of memory');
    expect(r.logs.join('\n')).toMatch(/event: \(service inference\) task .* stopped: Essential container/);
    // It failed early: well before the timeout, after exactly the threshold of stopped tasks.
    expect(fake.state.service('dev', 'inference').deployments[0]!.failedTasks).toBe(3);
  });

  test('a circuit-breaker rollback is reported as failure, never as success ❌', async () => {
    fake.state.addService({
      cluster: 'dev',
      service: 'chat',
      plan: { kind: 'rollback', reason: 'health checks failed' },
    });
    const r = makeCtx(services());
    await ecsDeployStep.execute(
      r.ctx,
      step('ecs-deploy', { cluster: 'dev', service: 'chat', image: 'chat:v2' }),
    );
    const wait = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['chat'], interval: '10ms', timeout: '20s' }),
    );
    // The service itself is "stable" (one COMPLETED deployment, running = desired) — on the old revision.
    const svc = fake.state.service('dev', 'chat');
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]!.rolloutState).toBe('COMPLETED');
    expect(wait.status).toBe('failed');
    expect(wait.summary).toMatch(/rolled back: the service settled on chat:1, not the deployed chat:2/);
  });

  test('the rollback is also caught without ecs-deploy in the run, given task-definition', async () => {
    fake.state.addService({ cluster: 'dev', service: 'emb', plan: { kind: 'rollback', reason: 'boom' } });
    const td = fake.state.registerTaskDef('emb', [{ name: 'app', image: 'emb:v2' }]);
    fake.state.deploy(fake.state.service('dev', 'emb'), td.taskDefinitionArn);
    const r = makeCtx(services());
    const wait = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', {
        cluster: 'dev',
        services: ['emb'],
        interval: '10ms',
        'task-definition': td.taskDefinitionArn,
      }),
    );
    expect(wait.status).toBe('failed');
    expect(wait.summary).toContain('rolled back');
  });

  test('a rollout that never completes times out with the state it was stuck in', async () => {
    fake.state.addService({ cluster: 'dev', service: 'slow', plan: { kind: 'stuck' } });
    const r = makeCtx(services());
    await ecsDeployStep.execute(r.ctx, step('ecs-deploy', { cluster: 'dev', service: 'slow', force: true }));
    const wait = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['slow'], interval: '20ms', timeout: '200ms' }),
    );
    expect(wait.status).toBe('failed');
    expect(wait.summary).toMatch(/not stable after .*slow: rollout IN_PROGRESS: 0\/2 running, 2 pending/);
  });

  test('unknown cluster and unknown service give their messages', async () => {
    const r = makeCtx(services());
    const a = await ecsDeployStep.execute(r.ctx, step('ecs-deploy', { cluster: 'nope', service: 'api' }));
    expect(a.status).toBe('failed');
    expect(a.summary).toMatch(/ECS cluster does not exist/);
    const b = await ecsWaitStableStep.execute(
      r.ctx,
      step('ecs-wait-stable', { cluster: 'dev', services: ['ghost'], interval: '10ms' }),
    );
    expect(b.status).toBe('failed');
    expect(b.summary).toMatch(/ghost: service ghost not found in cluster dev/);
  });
});

describe('cloudwatch-alarms-ok', () => {
  test('passes when none is in ALARM, fails naming the alarm and its reason, fails on a missing alarm', async () => {
    fake.state.setAlarm('api-5xx', 'OK');
    fake.state.setAlarm('api-latency', 'INSUFFICIENT_DATA');
    const r = makeCtx(services());
    const spec = { names: ['api-5xx', 'api-latency'] };
    expect((await cloudwatchAlarmsOkStep.execute(r.ctx, step('cloudwatch-alarms-ok', spec))).status).toBe(
      'passed',
    );
    const req = fake.state.requests.filter((q) => q.op === 'DescribeAlarms').pop()!;
    expect(req.contentType).toBe('application/x-amz-json-1.0');
    expect(req.queryMode).toBe(true);
    fake.state.setAlarm('api-5xx', 'ALARM', 'Threshold Crossed: 12 datapoints > 5');
    const bad = await cloudwatchAlarmsOkStep.execute(r.ctx, step('cloudwatch-alarms-ok', spec));
    expect(bad.status).toBe('failed');
    expect(bad.summary).toContain('api-5xx (Threshold Crossed: 12 datapoints > 5)');
    const missing = await cloudwatchAlarmsOkStep.execute(
      r.ctx,
      step('cloudwatch-alarms-ok', { names: ['no-such-alarm'] }),
    );
    expect(missing.status).toBe('failed');
    expect(missing.summary).toContain('unknown alarm(s): no-such-alarm');
  });
});
