/**
 * Phase 3 verification against the local AWS endpoint with the real SDK clients: cloudwatch-logs-clean (errors
 * before the run do not count, errors since it do, shown with their stream and a console link; a watch that
 * catches a late error) and cloudwatch-metric (over and under a threshold, a percentile, no data as fail /
 * pass / wait, several metrics in one GetMetricData call), with plain errors naming the IAM action.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cloudwatchLogsCleanStep } from '../../main/core/aws/steps/cloudwatch-logs-clean';
import { consoleLink, runStartTime } from '../../main/core/aws/steps/cloudwatch-logs-clean-run';
import { cloudwatchMetricStep, type MetricSpec } from '../../main/core/aws/steps/cloudwatch-metric';
import { parseThreshold } from '../../main/core/aws/steps/cloudwatch-metric-run';
import { newRunId } from '../../main/core/history/run-id';
import { startFakeAws, type FakeAws, type RequestRecord } from '../fixtures/aws-endpoint/server';
import { makeCtx, step, testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';

let fake: FakeAws;
let clients: AwsClients;
beforeAll(async () => {
  fake = await startFakeAws();
  clients = testClients(fake.url, { maxAttempts: 1 });
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
});

const services = () => ({
  aws: clients,
  config: testConfig('/tmp', { aws: { endpoint: fake.url, region: 'us-east-1' } }),
});
/** A run that started `agoMs` ago (its id carries the start time). */
const runStartedAgo = (agoMs: number) => newRunId(new Date(Date.now() - agoMs));

/** Calls `fn` once, right after the `n`-th request of `op` reaches the endpoint (deterministic "later"). */
function afterRequest(op: string, n: number, fn: () => void) {
  const requests = fake.state.requests;
  let seen = 0;
  const push = requests.push.bind(requests);
  requests.push = (...items: RequestRecord[]) => {
    const r = push(...items);
    for (const it of items) if (it.op === op && ++seen === n) fn();
    return r;
  };
}

describe('cloudwatch-logs-clean', () => {
  test('errors from before the run do not count; an error since the run started does ❌, with stream, first lines and a console link', async () => {
    const g = '/ecs/clean-api';
    fake.state.putLogs(g, ['ERROR old failure before this deploy'], Date.now() - 10 * 60_000);
    fake.state.putLogs(g, ['GET /health 200', 'all good'], Date.now() - 1000);
    const runId = runStartedAgo(5 * 60_000);
    const ok = makeCtx(services(), { runId });
    const pass = await cloudwatchLogsCleanStep.execute(
      ok.ctx,
      step('cloudwatch-logs-clean', { 'log-groups': [g] }),
    );
    expect(pass.summary).toMatch(
      /no line matching `\?ERROR \?Error \?Exception \?Traceback` in 1 log group over the last 5m/,
    );
    expect(pass.status).toBe('passed');
    expect(ok.outputs.matches).toBe('0');

    fake.state.putLogs(g, [
      'Traceback (most recent call last):',
      'ERROR CUDA out of memory',
      'ERROR retry 1',
      'ERROR retry 2',
      'ERROR retry 3',
      'ERROR retry 4 — the sixth line, not shown',
    ]);
    const r = makeCtx(services(), { runId });
    const res = await cloudwatchLogsCleanStep.execute(
      r.ctx,
      step('cloudwatch-logs-clean', { 'log-groups': [g] }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(
      /^6 error lines in \/ecs\/clean-api since \d\d:\d\d:\d\d UTC; first: \[ecs\/app\/abc\] Traceback \(most recent call last\):$/,
    );
    const shown = r.logs.filter((l) => /^ {2}\d\d:\d\d:\d\d \/ecs\/clean-api \[ecs\/app\/abc\] /.test(l));
    expect(shown).toHaveLength(5);
    expect(r.logs.join('\n')).not.toContain('the sixth line');
    expect(r.logs.join('\n')).not.toContain('old failure');
    expect(r.logs.join('\n')).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fclean-api/log-events$3FfilterPattern$3D',
    );
    expect(r.outputs.matches).toBe('6');
    // More matches than one page (3 here): nextToken was followed.
    expect(
      fake.state.requests.filter(
        (q) => q.op === 'FilterLogEvents' && (q.body as { nextToken?: string }).nextToken,
      ).length,
    ).toBeGreaterThan(0);
    const sent = fake.state.requests.filter((q) => q.op === 'FilterLogEvents').pop()!.body as {
      startTime: number;
    };
    expect(sent.startTime).toBe(runStartTime(runId));
  });

  test('since: 15m looks back further than the run', async () => {
    const g = '/ecs/since-api';
    fake.state.putLogs(g, ['Exception: earlier crash'], Date.now() - 10 * 60_000);
    const r = makeCtx(services(), { runId: runStartedAgo(60_000) });
    expect(
      (await cloudwatchLogsCleanStep.execute(r.ctx, step('cloudwatch-logs-clean', { 'log-groups': [g] })))
        .status,
    ).toBe('passed');
    const res = await cloudwatchLogsCleanStep.execute(
      r.ctx,
      step('cloudwatch-logs-clean', { 'log-groups': [g], since: '15m' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('Exception: earlier crash');
  });

  test('watch: a line that arrives while watching fails the step ❌', async () => {
    const g = '/aws/lambda/watched';
    fake.state.putLogs(g, ['START RequestId: 1']);
    afterRequest('FilterLogEvents', 2, () =>
      fake.state.putLogs(g, ['ERROR Task timed out after 3.00 seconds']),
    );
    const r = makeCtx(services(), { runId: runStartedAgo(60_000) });
    const res = await cloudwatchLogsCleanStep.execute(
      r.ctx,
      step('cloudwatch-logs-clean', { 'log-groups': [g], watch: '60s', interval: '10ms' }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toContain('ERROR Task timed out after 3.00 seconds');
    expect(r.logs).toContain(`${g}: no matching line`);
    expect(r.logs.some((l) => /clean so far \(check 1\)/.test(l))).toBe(true);
  });

  test('a log group that does not exist is a plain failure naming the action', async () => {
    const r = makeCtx(services(), { runId: runStartedAgo(60_000) });
    const res = await cloudwatchLogsCleanStep.execute(
      r.ctx,
      step('cloudwatch-logs-clean', { 'log-groups': ['/nope'] }),
    );
    expect(res.status).toBe('failed');
    expect(res.summary).toMatch(
      /^logs:FilterLogEvents \(log group \/nope\) failed: the resource does not exist in us-east-1/,
    );
  });

  test('the console link encodes the way the console does', () => {
    expect(
      consoleLink('eu-west-1', '/aws/lambda/f', {
        stream: '2024/01/01/[$LATEST]abc',
        pattern: '?ERROR ?Error',
        start: 1,
        end: 2,
      }),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ff/log-events/2024$252F01$252F01$252F$255B$2524LATEST$255Dabc$3FfilterPattern$3D$253FERROR$2520$253FError$26start$3D1$26end$3D2',
    );
    expect(consoleLink(undefined, '/g')).toBeUndefined();
  });
});

describe('cloudwatch-metric', () => {
  const alb = { LoadBalancer: 'app/inference/50dc6c495c0c9188' };
  const run = async (spec: MetricSpec) => {
    const r = makeCtx(services());
    return { ...r, res: await cloudwatchMetricStep.execute(r.ctx, step('cloudwatch-metric', spec)) };
  };

  test('5XX Sum = 0: over the threshold ❌ with the value; under it ✅', async () => {
    fake.state.metrics.put(
      'AWS/ApplicationELB',
      'HTTPCode_Target_5XX_Count',
      alb,
      [0, 0],
      Date.now() - 60_000,
    );
    const ok = await run({
      namespace: 'AWS/ApplicationELB',
      metric: 'HTTPCode_Target_5XX_Count',
      dimensions: alb,
      stat: 'Sum',
      threshold: '= 0',
    });
    expect(ok.res.status).toBe('passed');
    expect(ok.outputs.value).toBe('0');
    fake.state.metrics.put(
      'AWS/ApplicationELB',
      'HTTPCode_Target_5XX_Count',
      alb,
      [3, 4],
      Date.now() - 30_000,
    );
    const bad = await run({
      namespace: 'AWS/ApplicationELB',
      metric: 'HTTPCode_Target_5XX_Count',
      dimensions: alb,
      stat: 'Sum',
      threshold: '= 0',
    });
    expect(bad.res.status).toBe('failed');
    expect(bad.res.summary).toMatch(
      /^AWS\/ApplicationELB HTTPCode_Target_5XX_Count \{LoadBalancer=app\/inference\/50dc6c495c0c9188\} Sum = 7 at \d\d:\d\d UTC, threshold = 0$/,
    );
    expect(bad.outputs.value).toBe('7');
    const sent = fake.state.requests.filter((q) => q.op === 'GetMetricData').pop()!;
    expect(sent.queryMode).toBe(true);
    expect(sent.body).toMatchObject({ MetricDataQueries: [{ MetricStat: { Period: 300, Stat: 'Sum' } }] });
  });

  test('TargetResponseTime p95 < 0.5: a slow tail fails although the average passes', async () => {
    const values = [...Array(19).fill(0.1), 0.9, 0.95];
    fake.state.metrics.put('AWS/ApplicationELB', 'TargetResponseTime', alb, values, Date.now() - 60_000);
    const p95 = await run({
      namespace: 'AWS/ApplicationELB',
      metric: 'TargetResponseTime',
      dimensions: alb,
      stat: 'p95',
      threshold: '< 0.5',
      label: 'p95 latency',
    });
    expect(p95.res.status).toBe('failed');
    expect(p95.res.summary).toMatch(/^p95 latency = 0\.9 at .* threshold < 0\.5$/);
    const avg = await run({
      namespace: 'AWS/ApplicationELB',
      metric: 'TargetResponseTime',
      dimensions: alb,
      stat: 'Average',
      threshold: '< 0.5',
    });
    expect(avg.res.status).toBe('passed');
  });

  test('no data: fail by default (naming what to check), pass when told, wait until data arrives', async () => {
    const spec = {
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions: { FunctionName: 'quiet' },
      stat: 'Sum',
      threshold: '= 0',
    };
    const fail = await run(spec);
    expect(fail.res.status).toBe('failed');
    expect(fail.res.summary).toMatch(
      /Errors \{FunctionName=quiet\} Sum: no data in the last 5m \(check namespace, metric name and dimensions/,
    );
    const pass = await run({ ...spec, missing: 'pass' });
    expect(pass.res.status).toBe('passed');
    expect(pass.res.summary).toContain('no data (pass)');
    afterRequest('GetMetricData', 2, () =>
      fake.state.metrics.put('AWS/Lambda', 'Errors', { FunctionName: 'quiet' }, [0]),
    );
    const calls = fake.state.count('GetMetricData');
    const wait = await run({ ...spec, missing: 'wait', interval: '10ms', timeout: '60s' });
    expect(wait.res.status).toBe('passed');
    expect(fake.state.count('GetMetricData') - calls).toBe(3);
    expect(wait.logs.some((l) => /no data yet .* checking again \(check 1\)/.test(l))).toBe(true);
  });

  test('wait that never sees data fails with how long it waited, never "timed out" alone ❌', async () => {
    const res = await run({
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions: { FunctionName: 'never' },
      stat: 'Sum',
      threshold: '= 0',
      missing: 'wait',
      interval: '10ms',
      timeout: '50ms',
    });
    expect(res.res.status).toBe('failed');
    expect(res.res.summary).toMatch(/no data in the last 5m after waiting 50ms \(check namespace/);
  });

  test('several metrics in ONE GetMetricData call, each judged on its own', async () => {
    const fn = { FunctionName: 'chat-handler' };
    fake.state.metrics.put('AWS/Lambda', 'Errors', fn, [0], Date.now() - 60_000);
    fake.state.metrics.put('AWS/Lambda', 'Throttles', fn, [2], Date.now() - 60_000);
    const calls = fake.state.count('GetMetricData');
    const res = await run({
      stat: 'Sum',
      threshold: '= 0',
      window: '10m',
      metrics: [
        { namespace: 'AWS/Lambda', metric: 'Errors', dimensions: fn },
        { namespace: 'AWS/Lambda', metric: 'Throttles', dimensions: fn },
        { namespace: 'AWS/Lambda', metric: 'Duration', dimensions: fn, stat: 'p99', threshold: '< 3000' },
      ],
      missing: 'pass',
    });
    expect(fake.state.count('GetMetricData') - calls).toBe(1);
    expect(res.res.status).toBe('failed');
    expect(res.res.summary).toMatch(
      /^AWS\/Lambda Throttles \{FunctionName=chat-handler\} Sum = 2 at .*threshold = 0$/,
    );
    expect(res.outputs).toMatchObject({ m0: '0', m1: '2' });
  });

  test('access denied names cloudwatch:GetMetricData; bad thresholds are refused plainly', async () => {
    fake.state.faults.push({ op: 'GetMetricData', kind: 'denied', times: 1 });
    const res = await run({ namespace: 'AWS/Lambda', metric: 'Errors', threshold: '= 0' });
    expect(res.res.summary).toMatch(
      /^cloudwatch:GetMetricData failed: access denied\. Fix: allow the IAM action cloudwatch:GetMetricData/,
    );
    expect(parseThreshold('<=1')).toEqual({ op: '<=', value: 1, text: '<= 1' });
    expect(() => parseThreshold('under 5')).toThrow(/expected a comparison and a number/);
    const odd = await run({ namespace: 'A', metric: 'B', threshold: '< 1', period: '90s' });
    expect(odd.res.summary).toMatch(/period 90s: CloudWatch takes 1s, 5s, 10s, 30s/);
  });
});
