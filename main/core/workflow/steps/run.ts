// PLACEHOLDER: replaced by the engine work (issue 2).
import type { StepKind } from '../types';
export const runStep: StepKind<unknown> = {
  key: 'run',
  schema: {},
  describe: () => 'run',
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
};
