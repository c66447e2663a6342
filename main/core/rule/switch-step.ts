// PLACEHOLDER: replaced by the AWS/rule work (issue 4).
import type { StepKind } from '../workflow/types';
export const switchConfigStep: StepKind<unknown> = {
  key: 'switch-config',
  schema: {},
  describe: () => 'switch config',
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
};
