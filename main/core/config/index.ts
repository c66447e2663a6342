/**
 * The config concern: find, load and validate offload.yml (every problem with file:line:col), the JSON Schema
 * editors use, and `${{ }}` interpolation. The starter config `offload init` writes is main/core/init.
 */
export { findConfig, CONFIG_FILE_NAMES } from './find';
export {
  loadConfig,
  parseConfig,
  usePrecompiledValidator,
  validationSchema,
  AJV_OPTIONS,
  findStep,
  stepRunsBefore,
  secretNames,
  formatPath,
  slugify,
} from './load';
export type { LoadConfigOptions, StepPlace } from './load';
export { CHECK_AJV_OPTIONS, checkThenExplain, splitForLazyCompile } from './validity-check';
export { buildSectionModels } from './sections';
export type { SectionModels } from './sections';
export {
  buildConfigSchema,
  SCHEMA_URL,
  DEFAULT_WORKFLOWS,
  ALWAYS_SECRET,
  COMMON_STEP_KEYS,
  STEP_ID_PATTERN,
} from './schema';
export type { StepKindShape } from './schema';
export { interpolate, scanExpressions, parseExpression, hasExpressions } from './interpolate';
export type { InterpolationContext, ExprRef, ExprMatch } from './interpolate';
export { parseDuration, parseSize } from '../units';
export { ConfigError, formatProblem } from './types';
export type {
  ConfigProblem,
  OffloadConfig,
  PhaseConfig,
  StepConfig,
  HistoryConfig,
  SourcePos,
} from './types';
