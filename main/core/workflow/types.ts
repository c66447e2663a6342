/**
 * The workflow's view of the vocabulary: phases, statuses, run events and the step-kind contract now live in
 * main/core/vocabulary (below every concern); this module re-exports them for the engine and its callers.
 */
export * from '../vocabulary/rule';
export * from '../vocabulary/step-kind';
