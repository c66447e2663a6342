// PLACEHOLDER: replaced by the machine-watch work (issue 3).
import type { StepKind } from '../workflow/types';
export const stopLocalModelsStep: StepKind<unknown> = {
  key: 'stop-local-models',
  schema: {},
  describe: () => 'stop local model servers',
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
};
