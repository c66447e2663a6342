/**
 * ECS: rolling a service out (force a new deployment, or register a new task-definition revision with a new
 * image) and judging stability the honest way — a deployment the circuit breaker rolled back is a failure,
 * never a success, and tasks that keep stopping fail the wait early with their reasons.
 */
import type { ECSClient, RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs';
import { refreshOffloadTags } from './offload-tags';
/** The SDK loads on first use, not at start-up: `offload run` of plain steps never pays for it. */
const ecsSdk = (): typeof import('@aws-sdk/client-ecs') => require('@aws-sdk/client-ecs');

/** Where one service stands. */
export interface ServiceAssessment {
  cluster: string;
  service: string;
  state: 'stable' | 'rolling' | 'failed' | 'missing';
  message: string;
  running?: number;
  desired?: number;
  pending?: number;
  rollout?: string;
  taskDefinition?: string;
  primaryDeploymentId?: string;
  failedTasks?: number;
  events: string[];
}

const short = (arn: string | undefined) => (arn ? (arn.split('/').pop() ?? arn) : '?');

/** DescribeServices for many services, batched by cluster and by 10 (the API's limit). */
export async function describeServices(
  ecs: ECSClient,
  targets: { cluster: string; service: string }[],
  signal?: AbortSignal,
): Promise<Map<string, Service | null>> {
  const byCluster = new Map<string, string[]>();
  for (const t of targets) byCluster.set(t.cluster, [...(byCluster.get(t.cluster) ?? []), t.service]);
  const out = new Map<string, Service | null>();
  for (const [cluster, names] of byCluster) {
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      const res = await ecs.send(new (ecsSdk().DescribeServicesCommand)({ cluster, services: batch }), {
        abortSignal: signal,
      });
      for (const n of batch) {
        const found = res.services?.find((s) => s.serviceName === short(n) || s.serviceArn === n);
        out.set(`${cluster}/${n}`, found ?? null);
      }
    }
  }
  return out;
}

/**
 * Judges one service. `expected` is the task definition that was deployed (when known): a settled service whose
 * primary deployment runs anything else was rolled back.
 */
export function assessService(
  cluster: string,
  service: string,
  svc: Service | null,
  expected?: { taskDefinition?: string; maxFailedTasks?: number },
): ServiceAssessment {
  if (!svc) {
    return {
      cluster,
      service,
      state: 'missing',
      message: `service ${service} not found in cluster ${cluster}`,
      events: [],
    };
  }
  const deployments = svc.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const events = (svc.events ?? []).slice(0, 5).map((e) => e.message ?? '');
  const base = {
    cluster,
    service,
    running: primary?.runningCount ?? svc.runningCount,
    desired: primary?.desiredCount ?? svc.desiredCount,
    pending: primary?.pendingCount ?? svc.pendingCount,
    rollout: primary?.rolloutState,
    taskDefinition: primary?.taskDefinition ?? svc.taskDefinition,
    primaryDeploymentId: primary?.id,
    failedTasks: primary?.failedTasks,
    events,
  };
  if (svc.status && svc.status !== 'ACTIVE')
    return { ...base, state: 'failed', message: `service is ${svc.status}` };
  if (!primary) return { ...base, state: 'rolling', message: 'no primary deployment yet' };
  const want = expected?.taskDefinition;
  const ours = want ? deployments.find((d) => sameTaskDef(d.taskDefinition, want)) : primary;
  if (ours?.rolloutState === 'FAILED') {
    return {
      ...base,
      state: 'failed',
      message: `deployment ${ours.id} failed: ${ours.rolloutStateReason ?? 'rollout failed'}`,
    };
  }
  const maxFailed = expected?.maxFailedTasks ?? 0;
  if (maxFailed > 0 && ours && (ours.failedTasks ?? 0) >= maxFailed && ours.rolloutState !== 'COMPLETED') {
    return {
      ...base,
      state: 'failed',
      message: `${ours.failedTasks} new tasks stopped during the rollout of ${short(ours.taskDefinition)}`,
    };
  }
  const settled =
    deployments.length === 1 &&
    (primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED') &&
    (primary.runningCount ?? -1) === (primary.desiredCount ?? -2) &&
    (primary.pendingCount ?? 0) === 0 &&
    (svc.desiredCount === undefined || svc.desiredCount === primary.desiredCount);
  if (!settled) {
    return {
      ...base,
      state: 'rolling',
      message: `rollout ${primary.rolloutState ?? 'in progress'}: ${primary.runningCount ?? 0}/${primary.desiredCount ?? '?'} running, ${primary.pendingCount ?? 0} pending${deployments.length > 1 ? `, ${deployments.length - 1} older deployment(s) draining` : ''}`,
    };
  }
  if (want && !sameTaskDef(primary.taskDefinition, want)) {
    return {
      ...base,
      state: 'failed',
      message: `rolled back: the service settled on ${short(primary.taskDefinition)}, not the deployed ${short(want)} (circuit breaker rollback)`,
    };
  }
  return {
    ...base,
    state: 'stable',
    message: `stable: ${primary.runningCount}/${primary.desiredCount} running ${short(primary.taskDefinition)}`,
  };
}

function sameTaskDef(a: string | undefined, b: string): boolean {
  if (!a) return false;
  return a === b || short(a) === short(b);
}

/** The reasons of recently stopped tasks of a service (newest first), for failure reports. */
export async function stoppedTaskReasons(
  ecs: ECSClient,
  cluster: string,
  service: string,
  opts: { taskDefinition?: string; max?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  const list = await ecs.send(
    new (ecsSdk().ListTasksCommand)({ cluster, serviceName: service, desiredStatus: 'STOPPED' }),
    {
      abortSignal: opts.signal,
    },
  );
  const arns = (list.taskArns ?? []).slice(-100);
  if (arns.length === 0) return [];
  const res = await ecs.send(new (ecsSdk().DescribeTasksCommand)({ cluster, tasks: arns }), {
    abortSignal: opts.signal,
  });
  const tasks = (res.tasks ?? [])
    .filter((t) => !opts.taskDefinition || sameTaskDef(t.taskDefinitionArn, opts.taskDefinition))
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0));
  return tasks.slice(0, opts.max ?? 5).map((t) => {
    const containers = (t.containers ?? [])
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) =>
        `${c.name}: ${c.reason ?? ''}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}`.trim(),
      );
    return `task ${short(t.taskArn)} (${short(t.taskDefinitionArn)}) stopped: ${t.stoppedReason ?? t.stopCode ?? 'no reason given'}${containers.length ? ` — ${containers.join('; ')}` : ''}`;
  });
}

/** Fields of a task definition that RegisterTaskDefinition accepts (copied when only the image changes). */
const REGISTER_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const;

/** What a deploy did. */
export interface DeployOutcome {
  taskDefinition: string;
  previousTaskDefinition: string;
  deploymentId?: string;
  registered: boolean;
}

/**
 * Rolls a service out. With `image`, registers a new revision of the service's current task definition with
 * that image in `container` (or the only container) and points the service at it; otherwise forces a new
 * deployment of the current one.
 */
export async function deployService(
  ecs: ECSClient,
  o: {
    cluster: string;
    service: string;
    image?: string;
    container?: string;
    force?: boolean;
    signal?: AbortSignal;
    /** Offload's tags for the task definition it registers (main/core/aws/offload-tags.ts). */
    tags?: Readonly<Record<string, string>>;
  },
  log: (line: string) => void = () => undefined,
): Promise<DeployOutcome> {
  const opt = { abortSignal: o.signal };
  const current = (await describeServices(ecs, [{ cluster: o.cluster, service: o.service }], o.signal)).get(
    `${o.cluster}/${o.service}`,
  );
  if (!current)
    throw Object.assign(new Error(`service ${o.service} not found in cluster ${o.cluster}`), {
      name: 'ServiceNotFoundException',
    });
  const previous = current.taskDefinition ?? '';
  let taskDefinition = previous;
  let registered = false;
  if (o.image) {
    const { taskDefinition: td, tags } = await ecs.send(
      new (ecsSdk().DescribeTaskDefinitionCommand)({ taskDefinition: previous, include: ['TAGS'] }),
      opt,
    );
    if (!td) throw new Error(`task definition ${previous} could not be read`);
    const containers = td.containerDefinitions ?? [];
    const target = o.container
      ? containers.find((c) => c.name === o.container)
      : containers.length === 1
        ? containers[0]
        : undefined;
    if (!target) {
      throw new Error(
        o.container
          ? `task definition ${short(previous)} has no container "${o.container}" (it has: ${containers.map((c) => c.name).join(', ')})`
          : `task definition ${short(previous)} has ${containers.length} containers; say which one gets the image with \`container:\``,
      );
    }
    const input: Record<string, unknown> = {};
    for (const f of REGISTER_FIELDS) if (td[f] !== undefined) input[f] = td[f];
    input.containerDefinitions = containers.map((c) => (c === target ? { ...c, image: o.image } : c));
    const withTags = o.tags ? refreshOffloadTags(tags, o.tags) : (tags ?? []);
    if (withTags.length > 0) input.tags = withTags;
    const register = () =>
      ecs.send(
        new (ecsSdk().RegisterTaskDefinitionCommand)(input as unknown as RegisterTaskDefinitionCommandInput),
        opt,
      );
    const reg = await register().catch((err: unknown) => {
      // Tagging on register needs ecs:TagResource too: without it, register with the copied tags only.
      const e = err as { name?: string; message?: string };
      if (!o.tags || !/AccessDenied/.test(e.name ?? '') || !/TagResource/.test(e.message ?? '')) throw err;
      log(`not tagged (no ecs:TagResource): ${e.message ?? ''}`);
      if (tags && tags.length > 0) input.tags = tags;
      else delete input.tags;
      return register();
    });
    taskDefinition = reg.taskDefinition?.taskDefinitionArn ?? '';
    if (!taskDefinition) throw new Error('RegisterTaskDefinition returned no task definition');
    registered = true;
    log(`registered ${short(taskDefinition)} with ${target.name} image ${o.image}`);
  }
  const res = await ecs.send(
    new (ecsSdk().UpdateServiceCommand)({
      cluster: o.cluster,
      service: o.service,
      ...(registered ? { taskDefinition } : {}),
      // Tasks carry the task definition's tags (Offload's among them) unless the service says otherwise.
      ...(registered && o.tags && (current.propagateTags ?? 'NONE') === 'NONE'
        ? { propagateTags: 'TASK_DEFINITION' as const }
        : {}),
      forceNewDeployment: o.force ?? !registered,
    }),
    opt,
  );
  const primary = res.service?.deployments?.find((d) => d.status === 'PRIMARY');
  log(`updated ${o.service}: deployment ${primary?.id ?? '?'} of ${short(taskDefinition)}`);
  return { taskDefinition, previousTaskDefinition: previous, deploymentId: primary?.id, registered };
}
