/**
 * AWS: clients from offload.yml, plain-language errors, ECS deploy and stability, CloudWatch alarms and logs,
 * the AWS-ready gate and the watch that runs it (the rule's enforcement lives in ../rule, the switch in ../switch).
 */
export {
  awsSchema,
  gateSchema,
  notifySchema,
  parseAwsConfig,
  parseGateConfig,
  parseNotifyConfig,
  gateConfigured,
  type AwsConfig,
  type GateConfig,
  type GateEndpointConfig,
  type NotifyConfig,
} from './config';
export { parseSwitchConfig, switchSchema } from '../switch/config';
export type { AwsClients } from './clients';
export { explainAwsError, classifyAwsError, type AwsErrorContext, type AwsErrorKind } from './errors';
export {
  assessService,
  describeServices,
  deployService,
  stoppedTaskReasons,
  type ServiceAssessment,
  type DeployOutcome,
} from './ecs';
export { describeAlarms, AlarmTracker, type AlarmSelector, type AlarmTransition } from './alarms';
export { LogErrorWatch, type LogErrorEvent } from './logs';
export { createAwsWatch, type AwsWatch, type AwsWatchOptions, type WatchTimers } from './watch';
export { ecsDeployStep } from './steps/ecs-deploy';
export { ecsWaitStableStep } from './steps/ecs-wait-stable';
export { cloudwatchAlarmsOkStep } from './steps/cloudwatch-alarms-ok';
export type { ModelControl, EventJournal } from '../rule/enforcer';
