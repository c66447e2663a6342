/**
 * The `load-test` step kind (phase 4.3, optional): requests to one or more URLs at a rate or a concurrency, for
 * a duration or a count — never unbounded (refused at validate) and never absurd (capped) — with thresholds on
 * the error rate and latency percentiles, a summary table in the log and as outputs, and optionally a check that
 * a service scaled under the load (ECS desired count, Lambda provisioned concurrency).
 */
import type { StepKind } from '../vocabulary';
import { loadTestSchema, type LoadTestSpec } from './spec';
import { planOf } from './plan';

/** The `load-test` step kind: its plan checked at validate; the run (load-test-run.ts) loads on first use. */
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
  execute: async (ctx, step) => (await import('./load-test-run')).executeLoadTest(ctx, step),
};
