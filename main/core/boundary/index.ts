/** The boundary: every effect that offload.yml or the repository can cause passes through here. */
export * from './network';
