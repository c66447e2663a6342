/**
 * The vocabulary below every concern: the rule's words (phases, entry points, statuses, run events), the
 * loaded config's shape and the step-kind contract. Nothing here imports from any other folder of the core.
 */
export * from './rule';
export * from './config';
export * from './step-kind';
