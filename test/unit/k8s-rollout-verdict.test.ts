// The eks-rollout step's decisions (rollout-verdict.ts), driven by fake pod problems and Deployments on a fake
// clock: which Deployments to wait for, the grace a failing pod gets, and the words of a failure, a timeout
// and a pass. No cluster.
import { describe, expect, it } from 'vitest';
import type { PodProblem } from '../../main/core/k8s/rollout';
import {
  manifestTargets,
  ProblemAges,
  rolloutFailureSummary,
  rolloutPassed,
  rolloutTimeoutSummary,
  undoCommand,
} from '../../main/core/k8s/rollout-verdict';

const pull = (pod: string): PodProblem => ({
  pod,
  reason: 'ImagePullBackOff',
  message: 'Back-off pulling image',
  image: 'web:bad',
});
const crash = (pod: string): PodProblem => ({
  pod,
  reason: 'CrashLoopBackOff',
  message: 'back-off',
  restarts: 3,
});

describe('manifestTargets', () => {
  it('waits for the named Deployment first, then the manifest’s others', () => {
    expect(manifestTargets({ deployment: 'api', manifest: 'k.yaml' }, ['web', 'api', 'db'])).toEqual({
      targets: ['api', 'web', 'db'],
    });
    expect(manifestTargets({ manifest: 'k.yaml' }, [])).toEqual({ targets: [] });
  });

  it('fails when the named Deployment is not in the manifest, unless an image is set on it', () => {
    expect(manifestTargets({ deployment: 'api', manifest: 'k.yaml' }, ['web'])).toEqual({
      failure: 'k.yaml has no Deployment api (it has: web)',
    });
    expect(manifestTargets({ deployment: 'api', manifest: 'k.yaml' }, [])).toEqual({
      failure: 'k.yaml has no Deployment api (it has: none)',
    });
    expect(manifestTargets({ deployment: 'api', image: 'x', manifest: 'k.yaml' }, ['web'])).toEqual({
      targets: ['api', 'web'],
    });
  });
});

describe('ProblemAges', () => {
  it('a problem fails the step only once it has lasted the grace', () => {
    const ages = new ProblemAges();
    expect(ages.update([pull('a')], 0, 30_000)).toEqual([]);
    expect(ages.update([pull('a')], 29_999, 30_000)).toEqual([]);
    expect(ages.update([pull('a'), crash('b')], 30_000, 30_000)).toEqual([pull('a')]);
    expect(ages.ageOf(crash('b'), 45_000)).toBe(15_000);
  });

  it('a problem that goes away starts its grace again when it comes back', () => {
    const ages = new ProblemAges();
    ages.update([pull('a')], 0, 30_000);
    ages.update([], 20_000, 30_000);
    expect(ages.update([pull('a')], 40_000, 30_000)).toEqual([]);
    expect(ages.update([pull('a')], 70_000, 30_000)).toEqual([pull('a')]);
  });

  it('a pod with a new reason is a new problem', () => {
    const ages = new ProblemAges();
    ages.update([pull('a')], 0, 30_000);
    expect(ages.update([{ ...crash('a') }], 40_000, 30_000)).toEqual([]);
  });
});

describe('failure and timeout summaries', () => {
  it('names the failing pod, its image, how long, the hint and the way back', () => {
    const undo = undoCommand('web', 'prod', 'staging');
    expect(undo).toBe('kubectl rollout undo deployment/web -n prod --context staging');
    expect(
      rolloutFailureSummary({
        deployment: 'web',
        status: { state: 'progressing', message: 'Waiting' },
        shown: [pull('web-1'), pull('web-2'), pull('web-3')],
        firstAgeMs: 31_000,
        undo,
      }),
    ).toBe(
      'deployment/web: pod web-1 ImagePullBackOff (web:bad) for 31s (+2 more pods); check the image name and tag, and that the nodes may pull it (ECR: the node role needs ecr:BatchGetImage); to go back: ' +
        undo,
    );
  });

  it('past the progress deadline, leads with kubectl’s words; Offload’s EKS context needs no --context', () => {
    const undo = undoCommand('web', 'default', 'eks:demo');
    expect(undo).toBe('kubectl rollout undo deployment/web -n default');
    expect(
      rolloutFailureSummary({
        deployment: 'web',
        status: { state: 'deadline-exceeded', message: 'deployment "web" exceeded its progress deadline' },
        shown: [],
        firstAgeMs: 0,
        undo,
      }),
    ).toBe(`deployment "web" exceeded its progress deadline; to go back: ${undo}`);
  });

  it('a timeout names each open Deployment’s last message and the first problem', () => {
    expect(
      rolloutTimeoutSummary(
        [
          { name: 'web', lastMessage: 'Waiting for web' },
          { name: 'api', lastMessage: 'Waiting for api' },
        ],
        [crash('web-1')],
        90_000,
      ),
    ).toBe('not rolled out after 1m30s: Waiting for web; Waiting for api — pod web-1: CrashLoopBackOff');
  });
});

describe('rolloutPassed', () => {
  it('publishes the first Deployment’s revision, ready count and the named container’s image', () => {
    const done = (name: string, revision: string, ready: number) => ({
      name,
      done: {
        metadata: { name, annotations: { 'deployment.kubernetes.io/revision': revision } },
        spec: {
          replicas: 3,
          selector: {},
          template: {
            spec: {
              containers: [
                { name: 'sidecar', image: 'envoy:1' },
                { name: 'app', image: 'web:2' },
              ],
            },
          },
        },
        status: { readyReplicas: ready },
      },
    });
    const r = rolloutPassed([done('web', '7', 3), done('api', '2', 1)], 'app');
    expect(r).toEqual({
      revision: '7',
      ready: '3',
      image: 'web:2',
      summary: 'deployment/web, deployment/api rolled out: revision 7, 3/3 ready, web:2',
      deployments: [
        { name: 'web', revision: '7', readyReplicas: 3 },
        { name: 'api', revision: '2', readyReplicas: 1 },
      ],
    });
    expect(rolloutPassed([done('web', '7', 3)], undefined).image).toBe('envoy:1');
  });
});
