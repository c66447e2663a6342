/**
 * `eks-rollout` (phase 3): set a Deployment's image or apply a manifest, then wait for the rollout as
 * `kubectl rollout status` does, with a line in the step log each time the picture changes. It fails early,
 * with each failing pod's reason, when the Deployment exceeds its progress deadline or a new pod keeps
 * failing (image pull, crash loop with its last log lines, unschedulable with the scheduler's message).
 * Outputs: revision, image, readyReplicas (+ previousImage when it set one).
 */
import path from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import type { StepContext, StepKind, StepResult } from '../vocabulary';
import { durationMs, durationSchema } from '../units';
import { formatDurationCompact } from '../format';
import { parseAwsConfig } from '../aws/config';
import { sleep } from '../aws/step-support';
import { stepEffects } from '../boundary';
import { applyManifest, explainKubeError, readManifest, setImage } from './apply';
import { KubeConfigError, loadKube, type EksTarget } from './kubeconfig';
import { AwsOutagePastBudget } from '../aws/ride-out';
import { kubeOutageRider } from './transient';
import {
  lastLogLines,
  newReplicaSet,
  podProblem,
  REVISION_ANNOTATION,
  rolloutPods,
  rolloutStatus,
  schedulingMessage,
  selectorString,
  type KubeApis,
  type PodProblem,
} from './rollout';

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

type KubeModule = typeof import('@kubernetes/client-node');

const FAILURE_HINT: Record<string, string> = {
  ImagePullBackOff:
    'check the image name and tag, and that the nodes may pull it (ECR: the node role needs ecr:BatchGetImage)',
  ErrImagePull:
    'check the image name and tag, and that the nodes may pull it (ECR: the node role needs ecr:BatchGetImage)',
  InvalidImageName: 'the image reference is not valid',
  CrashLoopBackOff: 'the container starts and exits: its last log lines are above',
  Unschedulable: 'no node can take the pod: see the scheduler message',
};

const schema = {
  type: 'object',
  description:
    'Roll out a Kubernetes Deployment (EKS or any cluster): set a container image or apply a manifest, then wait as `kubectl rollout status` does. Fails early on ProgressDeadlineExceeded or pods that keep failing, naming each pod’s reason. Outputs: revision, image, readyReplicas, previousImage.',
  additionalProperties: false,
  anyOf: [{ required: ['deployment'] }, { required: ['manifest'] }],
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

/** One Deployment being watched. */
interface Watched {
  name: string;
  lastMessage?: string;
  done?: V1Deployment;
}

async function failingDetails(
  apis: KubeApis,
  namespace: string,
  problems: PodProblem[],
  logLines: number,
): Promise<string[]> {
  const lines: string[] = [];
  for (const p of problems) {
    let message = p.message;
    if (p.reason === 'Unschedulable') {
      const sched = await schedulingMessage(apis, namespace, p.pod).catch(() => undefined);
      if (sched) message = sched;
    }
    const extra = [
      p.image &&
      (p.reason === 'ImagePullBackOff' || p.reason === 'ErrImagePull' || p.reason === 'InvalidImageName')
        ? `image ${p.image}`
        : undefined,
      p.restarts !== undefined ? `${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : undefined,
      p.exitCode !== undefined ? `last exit code ${p.exitCode}` : undefined,
    ].filter(Boolean);
    lines.push(
      `pod ${p.pod}${p.container ? ` (container ${p.container})` : ''}: ${p.reason} — ${message}${extra.length ? ` [${extra.join(', ')}]` : ''}`,
    );
    if (p.reason === 'CrashLoopBackOff' || p.restarts) {
      try {
        const log = await lastLogLines(apis, namespace, p, logLines);
        lines.push(
          `  last ${log.length} log line${log.length === 1 ? '' : 's'} of ${p.pod}:`,
          ...log.map((l) => `  | ${l}`),
        );
      } catch (err) {
        lines.push(`  (its log could not be read: ${explainKubeError(err, 'pod log')})`);
      }
    }
  }
  return lines;
}

function failed(ctx: StepContext, summary: string, lines: string[], record: unknown): StepResult {
  for (const l of lines) ctx.log(l, 'stderr');
  ctx.record('eks-rollout', record);
  return { status: 'failed', summary };
}

export const eksRolloutStep: StepKind<EksRolloutSpec> = {
  key: 'eks-rollout',
  schema: schema as unknown as StepKind['schema'],
  describe: (s) => {
    const ns = s.spec.namespace ? ` in ${s.spec.namespace}` : '';
    if (s.spec.manifest) return `apply ${s.spec.manifest}${ns} and wait for the rollout`;
    return `roll out deployment/${s.spec.deployment}${ns}${s.spec.image ? ` with ${s.spec.image}` : ''}`;
  },
  async execute(ctx, step) {
    const spec = step.spec;
    const timeoutMs = durationMs(spec.timeout, 600_000, 'timeout');
    const intervalMs = durationMs(spec.interval, 2_000, 'interval');
    const graceMs = durationMs(spec['failure-grace'], 30_000, 'failure-grace');
    const logLines = spec['log-lines'] ?? 20;
    if (spec.image && !spec.deployment && !spec.manifest)
      return {
        status: 'failed',
        summary: 'image needs deployment: (the Deployment whose container gets it)',
      };
    const aws = ctx.services.config?.aws ?? parseAwsConfig(undefined);
    let server: string | undefined;
    let what = 'connect';
    try {
      const kube = await loadKube(
        {
          ...(spec.kubeconfig === undefined ? {} : { kubeconfig: spec.kubeconfig }),
          ...(spec.context ? { context: spec.context } : {}),
          ...(spec.eks ? { eks: spec.eks } : {}),
        },
        {
          env: { ...process.env, ...ctx.env },
          projectDir: ctx.projectDir,
          effects: stepEffects(ctx.services),
          aws: {
            ...(aws.profile ? { profile: aws.profile } : {}),
            ...(aws.region ? { region: aws.region } : {}),
            ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
          },
        },
      );
      server = kube.server;
      const namespace = spec.namespace ?? kube.namespace ?? 'default';
      ctx.log(`context ${kube.context} (${kube.server}), ${kube.auth}; namespace ${namespace}`, 'info');
      const k = require('@kubernetes/client-node') as KubeModule;
      const apis: KubeApis = {
        apps: kube.kc.makeApiClient(k.AppsV1Api),
        core: kube.kc.makeApiClient(k.CoreV1Api),
      };

      const targets: string[] = [];
      if (spec.manifest) {
        what = `apply ${spec.manifest}`;
        const objects = readManifest(path.resolve(ctx.cwd, spec.manifest));
        const applied = await applyManifest(kube.kc, apis, objects, {
          namespace,
          mode: spec.apply ?? 'server-side',
        });
        for (const a of applied)
          ctx.log(
            `${a.kind.toLowerCase()}/${a.name}${a.namespace ? ` (${a.namespace})` : ''} ${a.result}`,
            'info',
          );
        const deployments = applied.filter((a) => a.kind === 'Deployment').map((a) => a.name);
        if (spec.deployment && !deployments.includes(spec.deployment) && !spec.image)
          return {
            status: 'failed',
            summary: `${spec.manifest} has no Deployment ${spec.deployment} (it has: ${deployments.join(', ') || 'none'})`,
          };
        targets.push(
          ...(spec.deployment ? [spec.deployment] : []),
          ...deployments.filter((d) => d !== spec.deployment),
        );
        if (!targets.length) {
          ctx.record('eks-rollout', { applied });
          return {
            status: 'passed',
            summary: `applied ${applied.length} object(s); no Deployment to wait for`,
          };
        }
      } else targets.push(spec.deployment!);

      const primary = targets[0]!;
      let previousImage: string | undefined;
      if (spec.image) {
        const name = spec.deployment ?? primary;
        what = `set image of deployment/${name}`;
        const d = await apis.apps.readNamespacedDeployment({ name, namespace });
        const r = await setImage(apis, d, spec.container, spec.image);
        previousImage = r.previousImage;
        ctx.log(
          r.changed
            ? `deployment/${name} container ${r.container}: ${r.previousImage ?? '(none)'} -> ${spec.image}`
            : `deployment/${name} container ${r.container} already runs ${spec.image}: checking its rollout`,
          'info',
        );
      }

      const watched: Watched[] = targets.map((name) => ({ name }));
      const firstSeen = new Map<string, number>();
      const reported = new Map<string, string>();
      const deadline = Date.now() + timeoutMs;
      // 429s, 5xx and connection blips of the API server are waited out within the budget, not a failure.
      const rider = kubeOutageRider({
        deadline,
        signal: ctx.signal,
        log: (l) => ctx.log(l, 'stderr'),
        baseMs: Math.min(500, intervalMs),
        capMs: Math.max(intervalMs, 1000),
      });
      let lastProblems: PodProblem[] = [];
      for (;;) {
        lastProblems = [];
        for (const w of watched.filter((x) => !x.done)) {
          what = `read deployment/${w.name}`;
          const d = await rider.call(() => apis.apps.readNamespacedDeployment({ name: w.name, namespace }));
          const st = rolloutStatus(d);
          if (st.message !== w.lastMessage) ctx.log(st.message, 'info');
          w.lastMessage = st.message;
          if (st.state === 'complete') {
            w.done = d;
            continue;
          }
          what = `list the pods of deployment/${w.name}`;
          const sets = await rider.call(() =>
            apis.apps.listNamespacedReplicaSet({
              namespace,
              labelSelector: selectorString(d.spec?.selector),
            }),
          );
          const rs = newReplicaSet(d, sets.items);
          const pods = await rider.call(() => rolloutPods(apis, d, rs));
          const now = Date.now();
          const problems = pods.flatMap((p) => podProblem(p) ?? []);
          const current = new Set<string>();
          for (const p of problems) {
            const key = `${p.pod}|${p.reason}`;
            current.add(key);
            if (!firstSeen.has(key)) firstSeen.set(key, now);
            const line = `pod ${p.pod}: ${p.reason}${p.restarts ? ` (${p.restarts} restarts)` : ''} — ${p.message}`;
            if (reported.get(p.pod) !== line) ctx.log(line, 'info');
            reported.set(p.pod, line);
          }
          for (const key of [...firstSeen.keys()]) if (!current.has(key)) firstSeen.delete(key);
          lastProblems.push(...problems);
          const persistent = problems.filter((p) => now - firstSeen.get(`${p.pod}|${p.reason}`)! >= graceMs);
          if (st.state === 'deadline-exceeded' || persistent.length) {
            const shown = st.state === 'deadline-exceeded' ? problems : persistent;
            const details = await failingDetails(apis, namespace, shown, logLines);
            const first = shown[0];
            const cause =
              st.state === 'deadline-exceeded'
                ? `${st.message}${first ? ` — pod ${first.pod}: ${first.reason}` : ''}`
                : `deployment/${w.name}: pod ${first!.pod} ${first!.reason}${first!.image && /Pull|Image/.test(first!.reason) ? ` (${first!.image})` : ''} for ${formatDurationCompact(now - firstSeen.get(`${first!.pod}|${first!.reason}`)!)}`;
            const hint = first ? FAILURE_HINT[first.reason] : undefined;
            const undo = `kubectl rollout undo deployment/${w.name} -n ${namespace}${kube.context.startsWith('eks:') ? '' : ` --context ${kube.context}`}`;
            return failed(
              ctx,
              `${cause}${shown.length > 1 ? ` (+${shown.length - 1} more pod${shown.length > 2 ? 's' : ''})` : ''}${hint ? `; ${hint}` : ''}; to go back: ${undo}`,
              [...details, `to go back to the previous revision: ${undo}`],
              { result: 'failed', deployment: w.name, status: st, problems: shown, details },
            );
          }
        }
        if (watched.every((w) => w.done)) break;
        if (Date.now() + intervalMs > deadline) {
          const open = watched.filter((w) => !w.done);
          const details = await failingDetails(apis, namespace, lastProblems, logLines);
          return failed(
            ctx,
            `not rolled out after ${formatDurationCompact(timeoutMs)}: ${open.map((w) => w.lastMessage).join('; ')}${lastProblems[0] ? ` — pod ${lastProblems[0].pod}: ${lastProblems[0].reason}` : ''}`,
            [...open.map((w) => `deployment/${w.name}: ${w.lastMessage}`), ...details],
            {
              result: 'timeout',
              deployments: open.map((w) => ({ name: w.name, status: w.lastMessage })),
              details,
            },
          );
        }
        await sleep(intervalMs, ctx.signal);
      }

      const d = watched[0]!.done!;
      const containers = d.spec?.template?.spec?.containers ?? [];
      const container = containers.find((c) => c.name === spec.container) ?? containers[0];
      const revision = d.metadata?.annotations?.[REVISION_ANNOTATION] ?? '';
      const ready = String(d.status?.readyReplicas ?? 0);
      ctx.setOutput('revision', revision);
      if (container?.image) ctx.setOutput('image', container.image);
      ctx.setOutput('readyReplicas', ready);
      if (previousImage) ctx.setOutput('previousImage', previousImage);
      ctx.record('eks-rollout', {
        result: 'passed',
        deployments: watched.map((w) => ({
          name: w.name,
          revision: w.done?.metadata?.annotations?.[REVISION_ANNOTATION],
          readyReplicas: w.done?.status?.readyReplicas ?? 0,
        })),
      });
      return {
        status: 'passed',
        summary: `${watched.map((w) => `deployment/${w.name}`).join(', ')} rolled out: revision ${revision}, ${ready}/${d.spec?.replicas ?? 1} ready${container?.image ? `, ${container.image}` : ''}`,
        outputs: { revision, readyReplicas: ready, ...(container?.image ? { image: container.image } : {}) },
      };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      if (err instanceof KubeConfigError) return { status: 'failed', summary: err.message };
      if (err instanceof AwsOutagePastBudget)
        return {
          status: 'failed',
          summary: `${err.message}: ${explainKubeError(err.last, what, server)}. The rollout goes on in the cluster: follow it with \`kubectl rollout status\`, or give the step a longer timeout`,
        };
      return { status: 'failed', summary: explainKubeError(err, what, server) };
    }
  },
};
