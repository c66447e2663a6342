// PLACEHOLDER: replaced by the engine work (issue 2).
import type { StepKind } from '../types';
export const tcpStep: StepKind<unknown> = {
  key: 'tcp',
  schema: {},
  describe: () => 'tcp',
  execute: async () => ({ status: 'failed', summary: 'not implemented' }),
};
