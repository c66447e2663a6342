/**
 * Machine watch and local model control (issue 3): resource readings, pressure alerts, the model-server
 * catalogue, and safe, verified shutdown. The composition root and the CLI use only what is exported here.
 */
export { redactArgv, redactedCommandLine, REDACTED } from './redact';
export { createMachineWatch, type MachineWatch, type MachineWatchOptions } from './watch';
export {
  parseWatchConfig,
  parseModelsConfig,
  parseDurationMs,
  parseSizeBytes,
  watchSchema,
  modelsSchema,
  type WatchConfig,
  type ModelsConfig,
  type ModelMatcherConfig,
  type ModelExclude,
} from './config';
export { CATALOGUE, classify, commandView, type CatalogueEntry } from './catalogue';
export { confirmationNeeded, nonModelMatches, notModelLike } from './matcher-breadth';
export type { StopRequest } from './stop';
export { stopLocalModelsStep } from './stop-local-models';
export { machinePressure, type MachinePressure } from './pressure-now';
