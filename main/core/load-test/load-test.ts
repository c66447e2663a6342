/**
 * The `load-test` step kind (phase 4.3, optional): requests to one or more URLs at a rate or a concurrency, for
 * a duration or a count — never unbounded (refused at validate) and never absurd (capped) — with thresholds on
 * the error rate and latency percentiles, a summary table in the log and as outputs, and optionally a check that
 * a service scaled under the load (ECS desired count, Lambda provisioned concurrency).
 */
import type { StepContext, StepKind, StepResult } from '../vocabulary';
import { iamActionOf } from '../aws/lambda';
import { awsFailure, withClients } from '../aws/step-support';
import type { AwsClients } from '../aws/clients';
import { LoadCancelled, runLoad, totalOf, type LoadStats } from './run';
import { loadTestSchema, type LoadTestSpec } from './spec';
import { planOf } from './plan';
import { ScaleCheck } from './scale-check';
import { brokenThresholds, fmtMs, summaryOf, table } from './summary';

/** The `load-test` step kind: the plan, the load, the summary and the optional scaling check. */
export const loadTestStep: StepKind<LoadTestSpec> = {
  key: 'load-test',
  // Load against what runs: local (the dev system, before anything reaches AWS) and aws-test (the deployed
  // endpoints, where its scaling check reads ECS or Lambda). Not in the phases that change AWS, nor in shutdown or
  // monitor: load on a service is a test, and tests of AWS belong in aws-test, before shutdown's gate.
  phases: ['local', 'aws-test'],
  schema: loadTestSchema,
  check: (spec) => {
    const plan = planOf(spec);
    return typeof plan === 'string' ? [plan] : [];
  },
  describe: (s) => {
    const n = s.spec.targets?.length ?? 1;
    const what = s.spec.url ?? (n === 1 ? s.spec.targets?.[0]?.url : `${n} targets`);
    const pace =
      s.spec.rate !== undefined ? `at ${s.spec.rate}` : `with ${s.spec.connections ?? 10} connections`;
    const bound = s.spec.duration !== undefined ? `for ${s.spec.duration}` : `${s.spec.requests} requests`;
    return `load-test ${what} ${pace} ${bound}`;
  },
  async execute(ctx, step) {
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
  },
};

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
