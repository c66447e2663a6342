/**
 * The workflow concern: the engine, gates and fingerprints, output masking, and the core step kinds.
 */
export { Engine } from './engine';
export { formatDuration } from './durations';
export type { EngineOptions } from './engine';
export { computeFingerprint, describeChange } from './fingerprint';
export { SKIPPED_DIRS } from '../platform/project-folders';
export type { Fingerprint } from './fingerprint';
export {
  checkPhaseGate,
  workflowGate,
  readPhaseGates,
  writePhaseGates,
  notePhasePassed,
  notePhaseStarted,
  emptyPhaseGates,
} from './phase-gates';
export type { PhaseGateState, PhaseGateRecord, PhaseGateStorage } from './phase-gates';
export { Masker, MaskingLineBuffer } from './mask';
export { parseOutputFile } from './outputs';
export { runStep } from './steps/run';
export { httpStep } from './steps/http';
export { tcpStep } from './steps/tcp';
export * from './types';
