/**
 * The one place where step kinds and config sections are registered. Adding a step kind or a
 * top-level offload.yml section touches its own file plus one line here; the engine never changes.
 */
import type { JsonSchema, StepKind } from './vocabulary';
import { runStep } from './workflow/steps/run';
import { httpStep } from './workflow/steps/http';
import { tcpStep } from './workflow/steps/tcp';
import { stopLocalModelsStep } from './machine/step';
import { modelsSchema, watchSchema } from './machine/config';
import { ecsDeployStep, ecsWaitStableStep, cloudwatchAlarmsOkStep } from './aws/steps';
import { cloudformationDeployStep } from './aws/cloudformation';
import { cloudwatchLogsCleanStep } from './aws/logs-clean';
import { cloudwatchMetricStep } from './aws/metrics';
import { lambdaDeployStep, lambdaInvokeStep } from './aws/lambda-steps';
import { loadTestStep } from './load-test/step';
import { eksRolloutStep } from './k8s/step';
import { switchConfigStep } from './rule/switch-step';
import { awsSchema, gateSchema, notifySchema } from './aws/config';
import { teamSchema } from './team/config';
import { switchSchema } from './rule/config';

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
