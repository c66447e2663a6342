// Entry bundled by scripts/gen-schema.mjs: the published JSON Schema from the real step-kind and section registry.
import { buildConfigSchema } from '../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../main/core/registry';

export const schema = buildConfigSchema(STEP_KINDS, CONFIG_SECTIONS);
