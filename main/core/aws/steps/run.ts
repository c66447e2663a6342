/**
 * What the AWS step kinds do when they run, each from its `<kind>-run.ts`: one module, so that all their run
 * code loads together on first use (one part of the CLI, scripts/cli-parts.mjs), and `offload status`,
 * validate and the registry read only the kinds' declarations.
 */
export { executeEcsDeploy } from './ecs-deploy-run';
export { executeEcsWaitStable } from './ecs-wait-stable-run';
export { executeCloudwatchAlarmsOk } from './cloudwatch-alarms-ok-run';
export { executeCloudformationDeploy } from './cloudformation-deploy-run';
export { executeCloudwatchLogsClean } from './cloudwatch-logs-clean-run';
export { executeCloudwatchMetric } from './cloudwatch-metric-run';
export { executeLambdaDeploy } from './lambda-deploy-run';
export { executeLambdaInvoke } from './lambda-invoke-run';
