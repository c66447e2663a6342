// Entry bundled by scripts/build.mjs: the config validator's schema and options for the real registry, so the
// build can compile it ahead of time (dist/config-validator.js).
import { AJV_OPTIONS, validationSchema } from '../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../main/core/registry';

export const schema = validationSchema({ stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
export const options = AJV_OPTIONS;
