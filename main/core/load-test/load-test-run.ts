/** The `load-test` step kind's run (load-test.ts declares it): the load, the summary and the scaling check, loaded on first use. */
import type { StepContext, StepResult } from '../vocabulary';
import type { ResolvedStep } from '../vocabulary/step-kind';
import { iamActionOf } from '../aws/lambda';
import { awsFailure, withClients } from '../aws/step-support';
import type { AwsClients } from '../aws/clients';
import { LoadCancelled, runLoad, totalOf, type LoadStats } from './run';
import type { LoadTestSpec } from './spec';
import { planOf } from './plan';
import { ScaleCheck } from './scale-check';
import { brokenThresholds, fmtMs, summaryOf, table } from './summary';

/** Runs one load test: the plan, the load, the summary and the optional scaling check. */
export async function executeLoadTest(
  ctx: StepContext,
  step: ResolvedStep<LoadTestSpec>,
): Promise<StepResult> {
  const spec = step.spec;
  const plan = planOf(spec);
  if (typeof plan === 'string') return { status: 'failed', summary: plan };
  const scaled = spec.scaled;
  let scaleCheck: ScaleCheck | undefined;
  const run = async (clients?: AwsClients): Promise<StepResult> => {
    if (scaled && clients) {
      scaleCheck = new ScaleCheck(clients, scaled, ctx);
      await scaleCheck.before();
    }
    const paceText = plan.rate !== undefined ? `${plan.rate}/s` : `${plan.connections} connection(s)`;
    ctx.log(
      `load: ${plan.targets.map((t) => `${t.method} ${t.url}`).join(', ')} at ${paceText}, ${plan.requests !== undefined ? `${plan.requests} requests` : `for ${plan.durationMs! / 1000}s`}\n`,
      'info',
    );
    const pollScale =
      scaleCheck &&
      setInterval(() => void scaleCheck!.sample().catch(() => undefined), scaleCheck.intervalMs);
    let parts: LoadStats[];
    try {
      parts = await runLoad(plan, {
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.log(
            `  ${Math.round(p.elapsedMs / 1000)}s: ${p.requests} requests (${Math.round((p.requests * 1000) / Math.max(1, p.elapsedMs))}/s), ${p.errors} error(s)\n`,
            'info',
          ),
      });
    } finally {
      if (pollScale) clearInterval(pollScale);
    }
    return judge(ctx, spec, parts, scaleCheck);
  };
  try {
    if (scaled) return await withClients(ctx, (c) => run(c));
    return await run();
  } catch (err) {
    if (ctx.signal.aborted && err instanceof LoadCancelled) return cancelledSummary(ctx, err.partial);
    if (ctx.signal.aborted) throw err;
    // The scaling check's AWS calls are tagged with their IAM action: explained in plain words.
    const action = iamActionOf(err, '');
    if (action)
      return awsFailure(
        ctx,
        err,
        action,
        scaled?.ecs ? `${scaled.ecs.cluster}/${scaled.ecs.service}` : scaled?.lambda?.function,
      );
    return { status: 'failed', summary: `load test could not run: ${(err as Error).message}` };
  }
}

/** Logs the summary, sets the outputs and records them, then passes or fails on the thresholds and the scale. */
async function judge(
  ctx: StepContext,
  spec: LoadTestSpec,
  parts: LoadStats[],
  scale?: ScaleCheck,
): Promise<StepResult> {
  const summary = summaryOf(parts);
  for (const l of summary.lines) ctx.log(l, 'info');
  const { outputs, headline } = summary;
  for (const [k, v] of Object.entries(outputs)) ctx.setOutput(k, v);
  ctx.record('load-test', {
    ...outputs,
    targets: parts.map((p) => ({ label: p.label, requests: p.requests, errors: p.errors })),
  });
  const broken = brokenThresholds(spec, summary);
  if (scale) {
    const s = await scale.after();
    ctx.log(`${s.message}\n`, s.ok ? 'info' : 'stderr');
    if (!s.ok) broken.push(s.message);
  }
  if (broken.length > 0) {
    for (const b of broken) ctx.log(`❌ ${b}\n`, 'stderr');
    return { status: 'failed', summary: `${broken.join('; ')} — ${headline}`, outputs };
  }
  return { status: 'passed', summary: headline, outputs };
}

/** Ctrl-C during the test: the summary of what ran so far (the engine records the step as cancelled). */
function cancelledSummary(ctx: StepContext, parts: LoadStats[]): StepResult {
  const total = totalOf(parts);
  ctx.log(`cancelled after ${(total.durationMs / 1000).toFixed(1)}s; what ran until then:\n`, 'stderr');
  for (const l of table(parts, total)) ctx.log(`${l}\n`, 'stderr');
  const rps = total.requests / (Math.max(total.durationMs, 1) / 1000);
  const p95 = fmtMs(total.latency.percentile(95));
  const summary = `cancelled after ${(total.durationMs / 1000).toFixed(1)}s: ${total.requests} requests, ${rps.toFixed(1)}/s, p95 ${p95}, ${total.errors} error(s)`;
  return { status: 'failed', summary };
}
