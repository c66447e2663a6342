/** The loaded, validated offload.yml as the rest of the core sees it: defined in the vocabulary, below every concern. */
export * from '../vocabulary/config';
