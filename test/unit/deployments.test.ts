// Phase 6 as pure functions: what a deployment deployed, and stable / unstable on a clock the test sets.
import { describe, expect, it } from 'vitest';
import {
  afterDeployment,
  deployedItems,
  deploymentAt,
  deploymentLabel,
  labelErrors,
  describeDeployment,
  phase6Status,
  type DeploymentIdentity,
} from '../../main/core/deployments';

const AT = Date.parse('2026-12-02T10:00:00.000Z');
const dep: DeploymentIdentity = {
  runId: 'r1',
  workflow: 'services',
  at: new Date(AT).toISOString(),
  fingerprint: 'f'.repeat(64),
  commit: 'abc1234',
  items: [{ step: 'deploy', kind: 'ecs-deploy', summary: 'api → api:42 (repo/api:1.4.2)' }],
};
const QUIET = 15 * 60_000;
const SEEN = { configured: true };

describe('deployment identity', () => {
  it("reads each deploy step's record; unknown kinds and empty records are left out", () => {
    expect(
      deployedItems([
        {
          step: 'a',
          kind: 'ecs-deploy',
          data: {
            service: 'api',
            taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/api:42',
            image: 'repo/api:1.4.2',
          },
        },
        // The shapes aws/steps/lambda-deploy-run.ts, cloudformation-deploy-run.ts and k8s/eks-rollout-run.ts
        // record.
        {
          step: 'b',
          kind: 'lambda-deploy',
          data: { function: 'fn', version: '7', aliasArn: 'arn:aws:lambda:us-east-1:1:function:fn:live' },
        },
        {
          step: 'c',
          kind: 'cloudformation-deploy',
          data: { stack: 'infra', result: 'updated', changes: 2, changeSet: 'offload-r1-1' },
        },
        {
          step: 'c2',
          kind: 'cloudformation-deploy',
          data: { stack: 'infra', result: 'failed', reason: 'x' },
        },
        {
          step: 'd',
          kind: 'eks-rollout',
          data: { result: 'passed', deployments: [{ name: 'web', revision: '3', readyReplicas: 2 }] },
        },
        { step: 'e', kind: 'http', data: { status: 200 } },
        { step: 'f', kind: 'ecs-deploy', data: {} },
      ]),
    ).toEqual([
      { step: 'a', kind: 'ecs-deploy', summary: 'api → api:42 (repo/api:1.4.2)' },
      { step: 'b', kind: 'lambda-deploy', summary: 'fn v7 (live)' },
      { step: 'c', kind: 'cloudformation-deploy', summary: 'stack infra (updated, change set offload-r1-1)' },
      { step: 'd', kind: 'eks-rollout', summary: 'web rev 3' },
    ]);
    expect(describeDeployment(dep)).toBe('abc1234 · api → api:42 (repo/api:1.4.2)');
    expect(afterDeployment(dep, AT + 4 * 60_000)).toBe(
      'after deploy of abc1234 · api → api:42 (repo/api:1.4.2), 4 min ago',
    );
    expect(afterDeployment(undefined, AT)).toBeUndefined();
  });

  it('two deployments of one commit differ: by what they deployed, else by their run', () => {
    const runOnly = (runId: string, at: number): DeploymentIdentity => ({
      ...dep,
      runId,
      at: new Date(at).toISOString(),
      items: [],
    });
    const [a, b] = [runOnly('r1', AT), runOnly('r2', AT + 60_000)];
    expect(deploymentLabel(a)).toBe('abc1234 · run r1');
    expect(deploymentLabel(b)).toBe('abc1234 · run r2');
    // The same Lambda version republished: the run tells them apart.
    const lambda = (runId: string): DeploymentIdentity => ({
      ...dep,
      runId,
      items: [{ step: 'l', kind: 'lambda-deploy', summary: 'fn v7' }],
    });
    expect(deploymentLabel(lambda('r1'), [lambda('r1'), lambda('r2')])).toBe('abc1234 · fn v7 (run r1)');
    expect(deploymentLabel(lambda('r1'), [lambda('r1')])).toBe('abc1234 · fn v7');
  });

  it('an error is labelled with the deployment live at its time, not the newest', () => {
    const second: DeploymentIdentity = {
      ...dep,
      runId: 'r2',
      at: new Date(AT + 10 * 60_000).toISOString(),
      items: [{ step: 'deploy', kind: 'ecs-deploy', summary: 'api → api:43 (repo/api:1.4.2)' }],
    };
    const all = [second, dep]; // order of the file does not matter
    expect(deploymentAt(all, AT - 1)).toBeUndefined();
    expect(deploymentAt(all, AT)?.runId).toBe('r1');
    expect(deploymentAt(all, AT + 10 * 60_000 - 1)?.runId).toBe('r1');
    expect(deploymentAt(all, AT + 10 * 60_000)?.runId).toBe('r2');
    const err = (at: number, deployment?: string) => ({
      at: new Date(at).toISOString(),
      message: 'ERROR',
      ...(deployment ? { deployment } : {}),
    });
    expect(
      labelErrors(
        [
          err(AT + 2 * 60_000, 'after deploy of abc1234 · api → api:43 (stale)'),
          err(AT + 11 * 60_000),
          err(AT - 60_000, 'kept?'),
        ],
        all,
      ),
    ).toEqual([
      err(AT + 2 * 60_000, 'after deploy of abc1234 · api → api:42 (repo/api:1.4.2), 2 min ago'),
      err(AT + 11 * 60_000, 'after deploy of abc1234 · api → api:43 (repo/api:1.4.2), 1 min ago'),
      err(AT - 60_000),
    ]);
    // Nothing recorded: the label the watch wrote stays.
    expect(labelErrors([err(AT, 'after deploy of x, 1 min ago')], [])).toEqual([
      err(AT, 'after deploy of x, 1 min ago'),
    ]);
  });
});

describe('phase6Status', () => {
  it('idle without a deployment', () => {
    expect(phase6Status(undefined, [], { now: AT, quietMs: QUIET, cloudwatch: SEEN })).toEqual({
      status: 'idle',
    });
  });

  it('watching during the quiet period, stable once it passed with no error', () => {
    expect(phase6Status(dep, [], { now: AT + 60_000, quietMs: QUIET, cloudwatch: SEEN })).toMatchObject({
      status: 'watching',
      quietUntil: new Date(AT + QUIET).toISOString(),
    });
    expect(phase6Status(dep, [], { now: AT + QUIET, quietMs: QUIET, cloudwatch: SEEN })).toMatchObject({
      status: 'stable',
      since: new Date(AT + QUIET).toISOString(),
      deployment: { runId: 'r1', summary: 'abc1234 · api → api:42 (repo/api:1.4.2)' },
    });
  });

  it('the first error or alarm after the deployment makes it unstable; earlier ones do not count', () => {
    const signals = [
      { at: AT - 1000, message: 'before the deploy' },
      { at: AT + 120_000, message: 'alarm api-5xx: Threshold Crossed', source: 'api-5xx' },
      { at: AT + 60_000, message: 'ERROR db', source: '/ecs/api' },
    ];
    expect(
      phase6Status(dep, signals, { now: AT + 3 * 60_000, quietMs: QUIET, cloudwatch: SEEN }),
    ).toMatchObject({
      status: 'unstable',
      since: new Date(AT + 60_000).toISOString(),
      firstError: { message: 'ERROR db', source: '/ecs/api' },
    });
    expect(
      phase6Status(dep, signals.slice(0, 1), { now: AT + QUIET, quietMs: QUIET, cloudwatch: SEEN }).status,
    ).toBe('stable');
    // Not yet seen at this moment on the clock: not counted.
    expect(
      phase6Status(dep, signals.slice(2), { now: AT + 30_000, quietMs: QUIET, cloudwatch: SEEN }).status,
    ).toBe('watching');
  });
});
