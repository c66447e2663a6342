/**
 * The vocabulary below every concern: the rule's words (phases, entry points, statuses, run events), the
 * loaded config's shape, the step-kind contract and the state snapshots. Nothing here imports from any
 * other folder of the core.
 */
export * from './rule';
export * from './config';
export * from './step-kind';
export * from './state';
