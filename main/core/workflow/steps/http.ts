// PLACEHOLDER: replaced by the engine work (issue 2).
import type { StepKind } from '../types';
export const httpStep: StepKind<unknown> = {
  key: 'http',
  schema: {},
  describe: () => 'http',
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
};
