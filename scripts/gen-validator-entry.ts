// Entry bundled by scripts/build.mjs: the config validator's schema and options for the real registry, so the
// build can compile them ahead of time (dist/config-validator.js, and the fast check dist/config-check.js).
import { AJV_OPTIONS, CHECK_AJV_OPTIONS, splitForLazyCompile, validationSchema } from '../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../main/core/registry';

export const schema = validationSchema({ stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
export const options = AJV_OPTIONS;
export const checkSchema = splitForLazyCompile(schema);
export const checkOptions = CHECK_AJV_OPTIONS;
