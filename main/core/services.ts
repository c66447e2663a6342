/**
 * The services step kinds may use (ctx.services), built lazily so a workflow of plain `run` steps never
 * starts a machine watch or an AWS client.
 */
import type { HistoryStore } from './history';
import type { OffloadConfig, StepServices } from './vocabulary';

export interface StepServicesHandle {
  services: StepServices;
  dispose(): Promise<void>;
}

export function createStepServices(
  config: OffloadConfig,
  opts: { env?: NodeJS.ProcessEnv; history?: HistoryStore; dataDir?: string; extra?: StepServices },
): StepServicesHandle {
  const services: StepServices = {
    config,
    env: opts.env ?? process.env,
    history: opts.history,
    dataDir: opts.dataDir,
    ...opts.extra,
  };
  return {
    services,
    dispose: async () => {},
  };
}
