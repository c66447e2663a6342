/** The `ecs-wait-stable` step kind's run code (what its steps do), loaded on first use. */
import type { ResolvedStep, StepContext, StepResult } from '../../vocabulary';
import { formatDurationCompact } from '../../format';
import { durationMs } from '../../units';
import { assessService, describeServices, stoppedTaskReasons, type ServiceAssessment } from '../ecs';
import { AwsOutageRider } from '../ride-out';
import { awsFailure, sleep, withClients } from '../step-support';
import { deployedInRun, deployKey } from './ecs-deploy-run';
import type { EcsWaitStableSpec } from './ecs-wait-stable';

/** Polls the services until each completed its rollout on the expected task definition, or one failed. */
export async function executeEcsWaitStable(
  ctx: StepContext,
  step: ResolvedStep<EcsWaitStableSpec>,
): Promise<StepResult> {
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
}
