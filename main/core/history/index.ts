/**
 * Run history: the append-only event log and step logs of each run in the app-data folder, read back
 * honestly after a crash (interrupted, never stuck running), pruned to a count and size.
 */
export { HistoryStore } from './store';
export type { HistoryStoreOptions, RunWriter, StepLogFile } from './store';
export { newRunId, isRunId } from './run-id';
export { applyEvent, markInterrupted, markDamaged, isRunEvent, summarize, describeEvent } from './replay';
