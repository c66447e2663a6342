/**
 * The one place where step kinds and config sections are registered. Adding a step kind or a
 * top-level offload.yml section touches its own file plus one line here; the engine never changes.
 *
 * Each step kind lives in a file named for it, in the folder of its concern (under `steps/` where the
 * concern has several), all under main/core/. Where what its steps do is large, that is in `<kind>-run.ts`
 * beside it, loaded when such a step first runs (eks-rollout; the AWS kinds all at once, through
 * aws/steps/run.ts), so a command that runs none (status, validate) never loads it. The kinds:
 *   run                    workflow/steps/run.ts
 *   http                   workflow/steps/http.ts
 *   tcp                    workflow/steps/tcp.ts
 *   stop-local-models      machine/stop-local-models.ts
 *   ecs-deploy             aws/steps/ecs-deploy.ts
 *   ecs-wait-stable        aws/steps/ecs-wait-stable.ts
 *   cloudwatch-alarms-ok   aws/steps/cloudwatch-alarms-ok.ts
 *   cloudformation-deploy  aws/steps/cloudformation-deploy.ts
 *   cloudwatch-logs-clean  aws/steps/cloudwatch-logs-clean.ts
 *   cloudwatch-metric      aws/steps/cloudwatch-metric.ts
 *   lambda-deploy          aws/steps/lambda-deploy.ts
 *   lambda-invoke          aws/steps/lambda-invoke.ts
 *   load-test              load-test/load-test.ts
 *   eks-rollout            k8s/eks-rollout.ts
 *   switch-config          switch/switch-config.ts
 * Config sections: aws, gate (aws/config.ts), notify (notify/config.ts), models, watch (machine/config.ts),
 * switch (switch/config.ts).
 */
import type { JsonSchema, StepKind } from './vocabulary';
import { runStep } from './workflow/steps/run';
import { httpStep } from './workflow/steps/http';
import { tcpStep } from './workflow/steps/tcp';
import { stopLocalModelsStep } from './machine/stop-local-models';
import { modelsSchema, watchSchema } from './machine/config';
import { ecsDeployStep } from './aws/steps/ecs-deploy';
import { ecsWaitStableStep } from './aws/steps/ecs-wait-stable';
import { cloudwatchAlarmsOkStep } from './aws/steps/cloudwatch-alarms-ok';
import { cloudformationDeployStep } from './aws/steps/cloudformation-deploy';
import { cloudwatchLogsCleanStep } from './aws/steps/cloudwatch-logs-clean';
import { cloudwatchMetricStep } from './aws/steps/cloudwatch-metric';
import { lambdaDeployStep } from './aws/steps/lambda-deploy';
import { lambdaInvokeStep } from './aws/steps/lambda-invoke';
import { loadTestStep } from './load-test/load-test';
import { eksRolloutStep } from './k8s/eks-rollout';
import { switchConfigStep } from './switch/switch-config';
import { awsSchema, gateSchema, notifySchema } from './aws/config';
import { switchSchema } from './switch/config';
import { teamSchema } from './team/config';

/** Every step kind Offload knows, by its YAML key. */
export const STEP_KINDS: readonly StepKind<never>[] = [
  runStep,
  httpStep,
  tcpStep,
  stopLocalModelsStep,
  ecsDeployStep,
  ecsWaitStableStep,
  cloudwatchAlarmsOkStep,
  cloudformationDeployStep,
  cloudwatchLogsCleanStep,
  cloudwatchMetricStep,
  lambdaDeployStep,
  lambdaInvokeStep,
  loadTestStep,
  eksRolloutStep,
  switchConfigStep,
] as unknown as StepKind<never>[];

/** Optional top-level sections of offload.yml, each owned by a concern that parses it with defaults. */
export const CONFIG_SECTIONS: Readonly<Record<string, JsonSchema>> = {
  aws: awsSchema,
  gate: gateSchema,
  notify: notifySchema,
  models: modelsSchema,
  watch: watchSchema,
  switch: switchSchema,
  team: teamSchema,
};

export function findStepKind(key: string): StepKind<never> | undefined {
  return STEP_KINDS.find((k) => k.key === key);
}
