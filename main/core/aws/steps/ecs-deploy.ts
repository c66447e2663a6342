/**
 * Step kinds for phases 3 and 4: `ecs-deploy`, `ecs-wait-stable` and `cloudwatch-alarms-ok`. They take the
 * AWS clients from `ctx.services.aws`, or build them from `ctx.services.config` (offload.yml's `aws:`).
 */
import type { OffloadConfig, StepKind } from '../../vocabulary';
import { describeAlarms } from '../alarms';
import { alarmSelectorSchema, ecsServiceProperties, parseGateConfig } from '../config';
import { formatDurationCompact } from '../../format';
import { durationMs, durationSchema } from '../../units';
import {
  assessService,
  deployService,
  describeServices,
  stoppedTaskReasons,
  type ServiceAssessment,
} from '../ecs';
import { AwsOutageRider } from '../ride-out';
import { awsFailure, sleep, withClients } from '../step-support';

/** Task definitions deployed in a run, so ecs-wait-stable knows what "the deployed one" is. */
const deployedInRun = new Map<string, string>();
const deployKey = (runId: string, cluster: string, service: string) => `${runId}|${cluster}|${service}`;

/** `ecs-deploy` spec. */
export interface EcsDeploySpec {
  cluster: string;
  service: string;
  force?: boolean;
  image?: string;
  container?: string;
}

/** Rolls a service out: a forced new deployment, or a new task-definition revision with a new image. */
export const ecsDeployStep: StepKind<EcsDeploySpec> = {
  key: 'ecs-deploy',
  schema: {
    type: 'object',
    description: 'Roll out an ECS service. Outputs: taskDefinition, previousTaskDefinition, deploymentId.',
    additionalProperties: false,
    required: ['cluster', 'service'],
    properties: {
      ...ecsServiceProperties,
      force: {
        type: 'boolean',
        description: 'Force a new deployment (default: true without `image`, false with it).',
      },
      image: {
        type: 'string',
        minLength: 1,
        description:
          'New image (e.g. ${{ steps.push.outputs.image }}): registers a new revision of the current task definition with it.',
      },
      container: {
        type: 'string',
        minLength: 1,
        description: 'Container that gets the new image (required when the task definition has several).',
      },
    },
  },
  describe: (s) =>
    `deploy ${s.spec.service} on ${s.spec.cluster}${s.spec.image ? ` with ${s.spec.image}` : ''}`,
  async execute(ctx, step) {
    const spec = step.spec;
    try {
      return await withClients(ctx, async (c) => {
        const out = await deployService(c.ecs, { ...spec, signal: ctx.signal }, (l) => ctx.log(l, 'info'));
        deployedInRun.set(deployKey(ctx.runId, spec.cluster, spec.service), out.taskDefinition);
        ctx.setOutput('taskDefinition', out.taskDefinition);
        ctx.setOutput('previousTaskDefinition', out.previousTaskDefinition);
        if (out.deploymentId) ctx.setOutput('deploymentId', out.deploymentId);
        ctx.record('ecs-deploy', { cluster: spec.cluster, service: spec.service, image: spec.image, ...out });
        return {
          status: 'passed' as const,
          summary: `${out.registered ? 'new revision' : 'new deployment'} ${out.taskDefinition.split('/').pop()} started`,
          outputs: { taskDefinition: out.taskDefinition },
        };
      });
    } catch (err) {
      return awsFailure(ctx, err, 'ecs-deploy', `${spec.cluster}/${spec.service}`);
    }
  },
};

/** `ecs-wait-stable` spec. */
export interface EcsWaitStableSpec {
  cluster: string;
  services: string[];
  timeout?: string | number;
  interval?: string | number;
  'task-definition'?: string;
  'max-stopped-tasks'?: number;
}

/** Waits until each service's primary deployment completed on the deployed task definition. */
export const ecsWaitStableStep: StepKind<EcsWaitStableSpec> = {
  key: 'ecs-wait-stable',
  schema: {
    type: 'object',
    description:
      'Wait until each service has completed its rollout (running = desired, no pending, one deployment) on the task definition that was deployed. A circuit-breaker rollback is a failure.',
    additionalProperties: false,
    required: ['cluster', 'services'],
    properties: {
      cluster: { type: 'string', minLength: 1, description: 'Cluster name or ARN.' },
      services: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Service names or ARNs (one DescribeServices call per 10).',
      },
      timeout: durationSchema('Give up after this long (default 10m).'),
      interval: durationSchema('Time between polls (default 15s).'),
      'task-definition': {
        type: 'string',
        description:
          'The task definition that must end up running (default: what ecs-deploy deployed earlier in this run, else the primary deployment seen first).',
      },
      'max-stopped-tasks': {
        type: 'integer',
        minimum: 1,
        description: 'Fail early once this many new tasks stopped during the rollout (default 3).',
      },
    },
  },
  describe: (s) => `wait for ${s.spec.services.join(', ')} on ${s.spec.cluster} to be stable`,
  async execute(ctx, step) {
    const spec = step.spec;
    const timeoutMs = durationMs(spec.timeout, 600_000, 'timeout');
    const intervalMs = durationMs(spec.interval, 15_000, 'interval');
    const maxStopped = spec['max-stopped-tasks'] ?? 3;
    const expected = new Map<string, string | undefined>();
    for (const s of spec.services) {
      expected.set(s, spec['task-definition'] ?? deployedInRun.get(deployKey(ctx.runId, spec.cluster, s)));
    }
    const deadline = Date.now() + timeoutMs;
    let last: ServiceAssessment[] = [];
    // Throttling, 5xx and network blips while polling are waited out within the budget, not a failure.
    const rider = new AwsOutageRider({
      deadline,
      signal: ctx.signal,
      log: (l) => ctx.log(l, 'stderr'),
      capMs: Math.max(intervalMs, 1000),
    });
    try {
      return await withClients(ctx, async (c) => {
        for (;;) {
          const views = await rider.call(() =>
            describeServices(
              c.ecs,
              spec.services.map((service) => ({ cluster: spec.cluster, service })),
              ctx.signal,
            ),
          );
          last = spec.services.map((s) => {
            const view = views.get(`${spec.cluster}/${s}`) ?? null;
            // First sight of an in-progress deployment fixes "the deployed one" when nothing else says so.
            if (!expected.get(s) && view) {
              const primary = view.deployments?.find((d) => d.status === 'PRIMARY');
              if (primary?.rolloutState === 'IN_PROGRESS') expected.set(s, primary.taskDefinition);
            }
            return assessService(spec.cluster, s, view, {
              taskDefinition: expected.get(s),
              maxFailedTasks: maxStopped,
            });
          });
          for (const a of last) ctx.log(`${a.service}: ${a.message}`, 'info');
          const bad = last.filter((a) => a.state === 'failed' || a.state === 'missing');
          if (bad.length > 0) {
            const lines: string[] = [];
            for (const a of bad) {
              lines.push(`${a.service}: ${a.message}`);
              if (a.state === 'failed') {
                const reasons = await stoppedTaskReasons(c.ecs, spec.cluster, a.service, {
                  taskDefinition: expected.get(a.service),
                  signal: ctx.signal,
                }).catch(() => []);
                for (const r of reasons) lines.push(`  ${r}`);
                for (const e of a.events) lines.push(`  event: ${e}`);
              }
            }
            for (const l of lines) ctx.log(l, 'stderr');
            ctx.record('ecs-wait-stable', { result: 'failed', services: last, details: lines });
            const firstReason = lines.find((l) => l.trim().startsWith('task '))?.trim();
            return {
              status: 'failed' as const,
              summary: `${bad.map((a) => `${a.service}: ${a.message}`).join('; ')}${firstReason ? ` — ${firstReason}` : ''}`,
            };
          }
          if (last.every((a) => a.state === 'stable')) {
            ctx.record('ecs-wait-stable', { result: 'passed', services: last });
            return {
              status: 'passed' as const,
              summary: last.map((a) => `${a.service} ${a.message}`).join('; '),
            };
          }
          if (Date.now() + intervalMs > deadline) {
            const lines = last.map((a) => `${a.service}: ${a.message}`);
            for (const a of last) for (const e of a.events) lines.push(`  ${a.service} event: ${e}`);
            for (const l of lines) ctx.log(l, 'stderr');
            ctx.record('ecs-wait-stable', { result: 'timeout', services: last });
            return {
              status: 'failed' as const,
              summary: `not stable after ${formatDurationCompact(timeoutMs)}: ${last
                .filter((a) => a.state !== 'stable')
                .map((a) => `${a.service}: ${a.message}`)
                .join('; ')}`,
            };
          }
          await sleep(intervalMs, ctx.signal);
        }
      });
    } catch (err) {
      return awsFailure(
        ctx,
        err,
        'ecs:DescribeServices',
        spec.cluster,
        `The rollout goes on in AWS: follow it with \`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.services.join(' ')}\`.`,
      );
    }
  },
};

/** `cloudwatch-alarms-ok` spec. */
export interface AlarmsOkSpec {
  names?: string[];
  prefixes?: string[];
}

const NO_ALARMS = 'no alarms to check: give names or prefixes, or configure gate.alarms';

/** The alarms a `cloudwatch-alarms-ok` step checks: its own names/prefixes, else gate.alarms. */
function alarmSelection(spec: AlarmsOkSpec | null, config: OffloadConfig | undefined) {
  const gate = config?.gate ?? parseGateConfig(undefined);
  return {
    names: spec?.names ?? (spec?.prefixes ? [] : gate.alarms.names),
    prefixes: spec?.prefixes ?? (spec?.names ? [] : gate.alarms.prefixes),
  };
}

/** Passes when none of the alarms (default: gate.alarms) is in ALARM and every named alarm exists. */
export const cloudwatchAlarmsOkStep: StepKind<AlarmsOkSpec | null> = {
  key: 'cloudwatch-alarms-ok',
  schema: {
    description:
      'None of these CloudWatch alarms is in ALARM (default: the alarms in gate.alarms). One DescribeAlarms call for all names.',
    anyOf: [{ type: 'null' }, alarmSelectorSchema('The alarms to check.')],
  },
  check: (spec, config) => {
    const sel = alarmSelection(spec, config);
    return sel.names.length + sel.prefixes.length === 0 ? [NO_ALARMS] : [];
  },
  describe: () => 'CloudWatch alarms are OK',
  async execute(ctx, step) {
    const sel = alarmSelection(step.spec, ctx.services.config);
    if (sel.names.length + sel.prefixes.length === 0) return { status: 'failed', summary: NO_ALARMS };
    try {
      const alarms = await withClients(ctx, (c) => describeAlarms(c.cloudwatch, sel, ctx.signal));
      ctx.record('cloudwatch-alarms', { alarms });
      for (const a of alarms) ctx.log(`${a.name}: ${a.state}${a.reason ? ` — ${a.reason}` : ''}`, 'info');
      const firing = alarms.filter((a) => a.state === 'ALARM');
      const missing = alarms.filter((a) => a.state === 'UNKNOWN');
      if (firing.length > 0) {
        return {
          status: 'failed',
          summary: `in ALARM: ${firing.map((a) => `${a.name} (${a.reason ?? a.metric ?? ''})`).join('; ')}`,
        };
      }
      if (missing.length > 0)
        return { status: 'failed', summary: `unknown alarm(s): ${missing.map((a) => a.name).join(', ')}` };
      if (alarms.length === 0)
        return { status: 'failed', summary: `no alarm matches ${sel.prefixes.join(', ')}` };
      return { status: 'passed', summary: `${alarms.length} alarm(s), none in ALARM` };
    } catch (err) {
      return awsFailure(ctx, err, 'cloudwatch:DescribeAlarms');
    }
  },
};
