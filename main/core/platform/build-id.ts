/** The build's identity, set by `npm run build` (scripts/build.mjs); caches tied to a build keep nothing without it. */
declare const __OFFLOAD_BUILD__: string | undefined;

/** This build's identity, or undefined when the code runs from source (tests). */
export const BUILD_ID: string | undefined =
  typeof __OFFLOAD_BUILD__ === 'string' ? __OFFLOAD_BUILD__ : undefined;
