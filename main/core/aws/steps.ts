// PLACEHOLDER: replaced by the AWS work (issue 4).
import type { StepKind } from '../workflow/types';
const todo = (key: string): StepKind<unknown> => ({
  key,
  schema: {},
  describe: () => key,
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
});
export const ecsDeployStep = todo('ecs-deploy');
export const ecsWaitStableStep = todo('ecs-wait-stable');
export const cloudwatchAlarmsOkStep = todo('cloudwatch-alarms-ok');
