/**
 * A Deployment's rollout read as `kubectl rollout status` reads it, plus why it is not progressing: the new
 * ReplicaSet's pods that keep failing (image pulls, crash loops with their last log lines, pods the scheduler
 * cannot place with its message). Pure assessment functions and the few API calls they need.
 */
import type {
  AppsV1Api,
  CoreV1Api,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1LabelSelector,
} from '@kubernetes/client-node';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** What `kubectl rollout status` would say about one Deployment now. */
export interface RolloutStatus {
  state: 'progressing' | 'complete' | 'deadline-exceeded';
  /** kubectl's words ("Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated..."). */
  message: string;
}

/** kubectl's DeploymentStatusViewer, line for line. */
export function rolloutStatus(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '?';
  const generation = d.metadata?.generation ?? 0;
  const st = d.status ?? {};
  if (generation > (st.observedGeneration ?? 0))
    return { state: 'progressing', message: 'Waiting for deployment spec update to be observed...' };
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      state: 'deadline-exceeded',
      message: `deployment "${name}" exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}`,
    };
  const want = d.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const waiting = `Waiting for deployment "${name}" rollout to finish: `;
  if (updated < want)
    return {
      state: 'progressing',
      message: `${waiting}${updated} out of ${want} new replicas have been updated...`,
    };
  if (replicas > updated)
    return {
      state: 'progressing',
      message: `${waiting}${replicas - updated} old replicas are pending termination...`,
    };
  if (available < updated)
    return {
      state: 'progressing',
      message: `${waiting}${available} of ${updated} updated replicas are available...`,
    };
  return { state: 'complete', message: `deployment "${name}" successfully rolled out` };
}

/** A label selector as the API's `labelSelector` query (matchLabels and matchExpressions). */
export function selectorString(sel: V1LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The Deployment's ReplicaSet for its current revision (the one the rollout creates). */
export function newReplicaSet(d: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const uid = d.metadata?.uid;
  const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
  const owned = sets.filter((rs) => !uid || rs.metadata?.ownerReferences?.some((o) => o.uid === uid));
  return (
    owned.find((rs) => revision && rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision) ??
    owned.find((rs) => sameTemplate(d, rs))
  );
}

function sameTemplate(d: V1Deployment, rs: V1ReplicaSet): boolean {
  const strip = (t: unknown) => {
    const copy = JSON.parse(JSON.stringify(t ?? {})) as { metadata?: { labels?: Record<string, string> } };
    delete copy.metadata?.labels?.['pod-template-hash'];
    return JSON.stringify(copy);
  };
  return strip(d.spec?.template) === strip(rs.spec?.template);
}

/** Why one pod is not becoming ready (undefined: nothing wrong with it yet). */
export interface PodProblem {
  pod: string;
  container?: string;
  reason: string;
  /** One line: the kubelet's or scheduler's message. */
  message: string;
  image?: string;
  restarts?: number;
  exitCode?: number;
  /** For a crash loop: whether the log to show is the previous (terminated) container's. */
  previousLog?: boolean;
}

const PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** The problem of a pod, from its status (events and logs are fetched by the caller). */
export function podProblem(pod: V1Pod): PodProblem | undefined {
  const name = pod.metadata?.name ?? '?';
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const w = cs.state?.waiting;
    if (!w?.reason) continue;
    if (PULL_REASONS.has(w.reason))
      return {
        pod: name,
        container: cs.name,
        reason: w.reason,
        message: w.message ?? `cannot pull image ${cs.image}`,
        image: cs.image,
      };
    if (w.reason === 'CrashLoopBackOff')
      return {
        pod: name,
        container: cs.name,
        reason: 'CrashLoopBackOff',
        message: w.message ?? 'back-off restarting failed container',
        image: cs.image,
        restarts: cs.restartCount,
        ...(cs.lastState?.terminated?.exitCode === undefined
          ? {}
          : { exitCode: cs.lastState.terminated.exitCode }),
        previousLog: Boolean(cs.lastState?.terminated),
      };
    if (CONFIG_REASONS.has(w.reason))
      return {
        pod: name,
        container: cs.name,
        reason: w.reason,
        message: w.message ?? w.reason,
        image: cs.image,
      };
  }
  for (const cs of statuses) {
    const t = cs.state?.terminated;
    if (t && t.exitCode !== 0 && (cs.restartCount ?? 0) > 0)
      return {
        pod: name,
        container: cs.name,
        reason: t.reason ?? 'Error',
        message: t.message ?? `exited with code ${t.exitCode}`,
        image: cs.image,
        restarts: cs.restartCount,
        exitCode: t.exitCode,
        previousLog: false,
      };
  }
  if (pod.status?.phase === 'Pending') {
    const sched = pod.status.conditions?.find((c) => c.type === 'PodScheduled');
    if (sched?.status === 'False' && sched.reason === 'Unschedulable')
      return {
        pod: name,
        reason: 'Unschedulable',
        message: sched.message ?? 'the scheduler cannot place it',
      };
  }
  if (pod.status?.phase === 'Failed')
    return { pod: name, reason: pod.status.reason ?? 'Failed', message: pod.status.message ?? 'pod failed' };
  return undefined;
}

/** The Kubernetes calls a rollout watch makes. */
export interface KubeApis {
  apps: AppsV1Api;
  core: CoreV1Api;
}

/** The new ReplicaSet's pods (or the Deployment's, when there is no new ReplicaSet yet). */
export async function rolloutPods(
  apis: KubeApis,
  d: V1Deployment,
  rs: V1ReplicaSet | undefined,
): Promise<V1Pod[]> {
  const namespace = d.metadata?.namespace ?? 'default';
  const sel = rs?.spec?.selector ?? d.spec?.selector;
  const list = await apis.core.listNamespacedPod({ namespace, labelSelector: selectorString(sel) });
  const rsUid = rs?.metadata?.uid;
  return list.items.filter(
    (p) => !rsUid || !p.metadata?.ownerReferences || p.metadata.ownerReferences.some((o) => o.uid === rsUid),
  );
}

/** The scheduler's latest FailedScheduling message for a pod, if any. */
export async function schedulingMessage(
  apis: KubeApis,
  namespace: string,
  pod: string,
): Promise<string | undefined> {
  const events = await apis.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${pod}`,
  });
  const failed = events.items
    .filter((e) => e.reason === 'FailedScheduling' && e.message)
    .sort((a, b) => eventTime(a) - eventTime(b));
  return failed.at(-1)?.message;
}

const eventTime = (e: { lastTimestamp?: Date; eventTime?: Date; metadata?: { creationTimestamp?: Date } }) =>
  new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();

/** The last lines a crashing container wrote (its previous run's when it restarted). */
export async function lastLogLines(
  apis: KubeApis,
  namespace: string,
  p: PodProblem,
  lines: number,
): Promise<string[]> {
  const read = (previous: boolean) =>
    apis.core.readNamespacedPodLog({
      namespace,
      name: p.pod,
      ...(p.container ? { container: p.container } : {}),
      tailLines: lines,
      ...(previous ? { previous: true } : {}),
    });
  let text: string;
  try {
    text = await read(Boolean(p.previousLog));
  } catch (err) {
    if (!p.previousLog) throw err;
    text = await read(false);
  }
  return String(text ?? '')
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .slice(-lines);
}
