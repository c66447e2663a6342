/**
 * `eks-rollout` (phase 3): set a Deployment's image or apply a manifest, then wait for the rollout as
 * `kubectl rollout status` does, with a line in the step log each time the picture changes. It fails early,
 * with each failing pod's reason, when the Deployment exceeds its progress deadline or a new pod keeps
 * failing (image pull, crash loop with its last log lines, unschedulable with the scheduler's message).
 * Outputs: revision, image, readyReplicas (+ previousImage when it set one).
 */
import type { StepKind } from '../vocabulary';
import type { EksTarget } from './kubeconfig';
import { durationSchema } from '../units';

/** `eks-rollout` spec. */
export interface EksRolloutSpec {
  deployment?: string;
  namespace?: string;
  container?: string;
  image?: string;
  manifest?: string;
  apply?: 'server-side' | 'replace';
  context?: string;
  kubeconfig?: string | string[];
  eks?: EksTarget;
  timeout?: string | number;
  interval?: string | number;
  'failure-grace'?: string | number;
  'log-lines'?: number;
}

const schema = {
  type: 'object',
  description:
    'Roll out a Kubernetes Deployment (EKS or any cluster): set a container image or apply a manifest, then wait as `kubectl rollout status` does. Fails early on ProgressDeadlineExceeded or pods that keep failing, naming each pod’s reason. Outputs: revision, image, readyReplicas, previousImage.',
  additionalProperties: false,
  // One of deployment or manifest: checked by rolloutSpecProblems, so validate and the run say it in words.
  properties: {
    deployment: {
      type: 'string',
      minLength: 1,
      description:
        'Deployment name (required with `image`; with `manifest`, the one whose outputs are published).',
      examples: ['web'],
    },
    namespace: {
      type: 'string',
      minLength: 1,
      description: 'Namespace (default: the context’s namespace, else default).',
    },
    container: {
      type: 'string',
      minLength: 1,
      description: 'Container that gets `image` (required when the pod template has several).',
    },
    image: {
      type: 'string',
      minLength: 1,
      description: 'New image, as `kubectl set image` sets it, e.g. ${{ steps.push.outputs.image }}.',
      examples: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:${{ env.GIT_SHA }}'],
    },
    manifest: {
      type: 'string',
      minLength: 1,
      description:
        'A manifest file (relative to the step’s cwd) to apply; every Deployment in it is waited for.',
      examples: ['k8s/deployment.yaml'],
    },
    apply: {
      enum: ['server-side', 'replace'],
      description:
        'How `manifest` is applied: server-side apply with field manager offload, conflicts forced (default), or replace (PUT) for its Deployments.',
    },
    context: {
      type: 'string',
      minLength: 1,
      description: 'kubeconfig context (default: current-context).',
      examples: ['arn:aws:eks:eu-west-1:123456789012:cluster/demo'],
    },
    kubeconfig: {
      description:
        'kubeconfig file or files, merged as kubectl merges KUBECONFIG (default: KUBECONFIG, else ~/.kube/config).',
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
    },
    eks: {
      type: 'object',
      description:
        'An EKS cluster: the token is made from the AWS credential chain as `aws eks get-token` makes it. Without a kubeconfig context, endpoint and CA come from eks:DescribeCluster.',
      additionalProperties: false,
      required: ['cluster'],
      properties: {
        cluster: { type: 'string', minLength: 1, description: 'EKS cluster name.' },
        region: { type: 'string', minLength: 1, description: 'Region (default: aws.region or AWS_REGION).' },
        profile: {
          type: 'string',
          minLength: 1,
          description: 'AWS profile (default: aws.profile or AWS_PROFILE).',
        },
      },
      examples: [{ cluster: 'demo', region: 'eu-west-1' }],
    },
    timeout: durationSchema('Give up after this long, naming what is still not done (default 10m).'),
    interval: durationSchema('Time between polls (default 2s).'),
    'failure-grace': durationSchema(
      'How long a new pod may stay failing (image pull, crash loop, unschedulable) before the step fails (default 30s).',
    ),
    'log-lines': {
      type: 'integer',
      minimum: 1,
      maximum: 500,
      description: 'Last log lines shown for a crashing container (default 20).',
    },
  },
  examples: [
    {
      deployment: 'web',
      container: 'app',
      image: '${{ steps.push.outputs.image }}',
      eks: { cluster: 'demo', region: 'eu-west-1' },
    },
    { manifest: 'k8s/deployment.yaml', context: 'staging' },
  ],
} as const;

export function rolloutSpecProblems(spec: EksRolloutSpec): string[] {
  if (spec.deployment || spec.manifest) return [];
  if (spec.image) return ['image needs deployment: (the Deployment whose container gets it)'];
  return [
    'nothing to roll out: give deployment: (with image: to set a new one) or manifest: (files to apply)',
  ];
}

/** The `eks-rollout` step kind: connect, apply or set the image, wait for the rollout, publish. */
export const eksRolloutStep: StepKind<EksRolloutSpec> = {
  key: 'eks-rollout',
  // A change to AWS: only aws-prepare and aws-deploy, the phases whose gates cover one (a local pass on the same
  // source first, the team's lock, AWS testing after it before shutdown may stop the local models). In local it
  // would reach AWS before the local tests; in aws-test it would change what is being tested (the shutdown gate
  // would count the tests as passed after it); in shutdown or monitor (which need no AWS testing after them) it
  // would leave an untested deployment behind. Phase 6's redeploy runs the services entry point, not monitor.
  phases: ['aws-prepare', 'aws-deploy'],
  schema: schema as unknown as StepKind['schema'],
  check: (spec) => rolloutSpecProblems(spec),
  describe: (s) => {
    const ns = s.spec.namespace ? ` in ${s.spec.namespace}` : '';
    if (s.spec.manifest) return `apply ${s.spec.manifest}${ns} and wait for the rollout`;
    return `roll out deployment/${s.spec.deployment}${ns}${s.spec.image ? ` with ${s.spec.image}` : ''}`;
  },
  // The Kubernetes client and the rollout watch load only when such a step runs.
  execute: async (ctx, step) => (await import('./eks-rollout-run')).executeEksRollout(ctx, step),
};
