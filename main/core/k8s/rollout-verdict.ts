/**
 * The `eks-rollout` step's decisions, pure: which Deployments to wait for, how long each pod problem has lasted
 * (a failing pod fails the step only after the grace), and the words of a failure, a timeout and a pass. The
 * step (eks-rollout.ts) reads the cluster and logs; these decide from what it read.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { formatDurationCompact } from '../format';
import { REVISION_ANNOTATION, type PodProblem, type RolloutStatus } from './rollout';

/** What to do about the first failing pod's reason. */
export const FAILURE_HINT: Record<string, string> = {
  ImagePullBackOff:
    'check the image name and tag, and that the nodes may pull it (ECR: the node role needs ecr:BatchGetImage)',
  ErrImagePull:
    'check the image name and tag, and that the nodes may pull it (ECR: the node role needs ecr:BatchGetImage)',
  InvalidImageName: 'the image reference is not valid',
  CrashLoopBackOff: 'the container starts and exits: its last log lines are above',
  Unschedulable: 'no node can take the pod: see the scheduler message',
};

/** One Deployment being watched. */
export interface Watched {
  name: string;
  lastMessage?: string;
  done?: V1Deployment;
}

/**
 * The Deployments to wait for after applying a manifest: the one named by `deployment` first, then the
 * manifest's others; or why the step fails (the named one is not in the manifest and no image is set).
 */
export function manifestTargets(
  spec: { deployment?: string; image?: string; manifest?: string },
  deployments: string[],
): { targets: string[] } | { failure: string } {
  if (spec.deployment && !deployments.includes(spec.deployment) && !spec.image)
    return {
      failure: `${spec.manifest} has no Deployment ${spec.deployment} (it has: ${deployments.join(', ') || 'none'})`,
    };
  return {
    targets: [
      ...(spec.deployment ? [spec.deployment] : []),
      ...deployments.filter((d) => d !== spec.deployment),
    ],
  };
}

const problemKey = (p: PodProblem) => `${p.pod}|${p.reason}`;

/**
 * How long each pod problem (a pod and its reason) has been seen, over every watched Deployment: a problem
 * not seen in a poll is forgotten, so one that comes back starts its grace again.
 */
export class ProblemAges {
  private readonly firstSeen = new Map<string, number>();

  /** Notes one poll's problems at `now`; returns those seen for at least `graceMs`. */
  update(problems: PodProblem[], now: number, graceMs: number): PodProblem[] {
    const current = new Set<string>();
    for (const p of problems) {
      const key = problemKey(p);
      current.add(key);
      if (!this.firstSeen.has(key)) this.firstSeen.set(key, now);
    }
    for (const key of [...this.firstSeen.keys()]) if (!current.has(key)) this.firstSeen.delete(key);
    return problems.filter((p) => this.ageOf(p, now) >= graceMs);
  }

  /** How long `p` has been seen at `now` (its latest update counts as its first sight when new). */
  ageOf(p: PodProblem, now: number): number {
    return now - this.firstSeen.get(problemKey(p))!;
  }
}

/** The log line for a pod problem (logged again only when it changes). */
export const problemLine = (p: PodProblem) =>
  `pod ${p.pod}: ${p.reason}${p.restarts ? ` (${p.restarts} restarts)` : ''} — ${p.message}`;

/** `kubectl rollout undo …`: the way back, with `--context` unless the context is Offload's own EKS one. */
export const undoCommand = (deployment: string, namespace: string, context: string) =>
  `kubectl rollout undo deployment/${deployment} -n ${namespace}${context.startsWith('eks:') ? '' : ` --context ${context}`}`;

/**
 * The summary of a rollout that failed: past its progress deadline (`shown` = its problems) or with pods failing
 * beyond the grace (`shown` = those, the first one `firstAgeMs` old); the hint for the first reason and the way back.
 */
export function rolloutFailureSummary(o: {
  deployment: string;
  status: RolloutStatus;
  shown: PodProblem[];
  firstAgeMs: number;
  undo: string;
}): string {
  const { shown, status: st } = o;
  const first = shown[0];
  const cause =
    st.state === 'deadline-exceeded'
      ? `${st.message}${first ? ` — pod ${first.pod}: ${first.reason}` : ''}`
      : `deployment/${o.deployment}: pod ${first!.pod} ${first!.reason}${first!.image && /Pull|Image/.test(first!.reason) ? ` (${first!.image})` : ''} for ${formatDurationCompact(o.firstAgeMs)}`;
  const hint = first ? FAILURE_HINT[first.reason] : undefined;
  return `${cause}${shown.length > 1 ? ` (+${shown.length - 1} more pod${shown.length > 2 ? 's' : ''})` : ''}${hint ? `; ${hint}` : ''}; to go back: ${o.undo}`;
}

/** The summary of a rollout still not done after `timeoutMs`: each open Deployment's last message. */
export function rolloutTimeoutSummary(
  open: Watched[],
  lastProblems: PodProblem[],
  timeoutMs: number,
): string {
  return `not rolled out after ${formatDurationCompact(timeoutMs)}: ${open.map((w) => w.lastMessage).join('; ')}${lastProblems[0] ? ` — pod ${lastProblems[0].pod}: ${lastProblems[0].reason}` : ''}`;
}

/** What a finished rollout publishes: the first Deployment's revision, ready count and image, and its summary. */
export function rolloutPassed(
  watched: Watched[],
  containerName: string | undefined,
): {
  revision: string;
  ready: string;
  image?: string;
  summary: string;
  deployments: { name: string; revision?: string; readyReplicas: number }[];
} {
  const d = watched[0]!.done!;
  const containers = d.spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === containerName) ?? containers[0];
  const revision = d.metadata?.annotations?.[REVISION_ANNOTATION] ?? '';
  const ready = String(d.status?.readyReplicas ?? 0);
  return {
    revision,
    ready,
    ...(container?.image ? { image: container.image } : {}),
    summary: `${watched.map((w) => `deployment/${w.name}`).join(', ')} rolled out: revision ${revision}, ${ready}/${d.spec?.replicas ?? 1} ready${container?.image ? `, ${container.image}` : ''}`,
    deployments: watched.map((w) => ({
      name: w.name,
      revision: w.done?.metadata?.annotations?.[REVISION_ANNOTATION],
      readyReplicas: w.done?.status?.readyReplicas ?? 0,
    })),
  };
}
