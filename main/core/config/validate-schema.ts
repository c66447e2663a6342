/**
 * Validation against the JSON Schema: Ajv (precompiled at build, else compiled once per registry), then what the
 * schema lets through but must still be refused (durations past 24d, regexes the matching engine refuses).
 */
import type { Options as AjvOptions, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../vocabulary';
import { buildSchemaVariant, type StepKindShape } from './schema';
import { DURATION_PATTERN, durationProblem } from '../units';
import { regexProblemText, userRegexProblem } from '../units/regex';
import { offsetInScalar, type PathSeg } from './yaml-positions';
import { formatPath, isObject, type Checker } from './messages';

/** What loadConfig validates against: the registered step kinds and the other concerns' sections. */
export interface LoadConfigOptions {
  stepKinds: readonly StepKindShape[];
  sections: Readonly<Record<string, JsonSchema>>;
}

const validators = new WeakMap<object, WeakMap<object, ValidateFunction>>();

// inlineRefs off (the step schema is compiled once, not per phase) and no code optimisation: compile time
// dominates here (a CLI compiles once per process), and it is ~5x lower this way.
export const AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  verbose: true,
  strict: false,
  allowUnionTypes: true,
  inlineRefs: false,
  code: { optimize: false },
  // `format: regex` marks the user's regular expressions (editors check them too); loadConfig compiles them
  // with the engine that will run them (checkUserRegexes), so Ajv only has to know the name.
  formats: { regex: true },
};

/** The schema the validator checks (the editor schema less its editor-only rules). */
export function validationSchema(opts: LoadConfigOptions): JsonSchema {
  return buildSchemaVariant(opts.stepKinds, opts.sections, false);
}

/**
 * Registers a validator compiled ahead of time (`npm run build` writes one for the real registry), so a CLI
 * call neither loads Ajv nor compiles the schema (~120 ms of every `offload` command).
 */
export function usePrecompiledValidator(opts: LoadConfigOptions, validate: ValidateFunction): void {
  let bySections = validators.get(opts.stepKinds);
  if (!bySections) validators.set(opts.stepKinds, (bySections = new WeakMap()));
  bySections.set(opts.sections, validate);
}

/** The validator for these step kinds and sections: the precompiled one, else compiled once. */
export function validatorFor(opts: LoadConfigOptions): ValidateFunction {
  let bySections = validators.get(opts.stepKinds);
  if (!bySections) validators.set(opts.stepKinds, (bySections = new WeakMap()));
  let v = bySections.get(opts.sections);
  if (!v) {
    const Ajv: typeof import('ajv').default = require('ajv').default;
    v = new Ajv(AJV_OPTIONS).compile(validationSchema(opts));
    bySections.set(opts.sections, v);
  }
  return v;
}

/**
 * What the schema lets through but must still be refused, in one walk of the data along the schema:
 * - durations no timer could wait for: a well-formed string longer than 24d (a number that long is the
 *   schema's `maximum`);
 * - the user's regular expressions (`format: regex`: model matchers and exclusions, http body checks) that the
 *   engine that will run them (RE2: linear time) refuses, so a bad one fails here with its place instead of
 *   failing every start.
 */
export function checkSchemaValues(c: Checker, root: JsonSchema, data: unknown): void {
  const reported = new Set<string>();
  const report = (segs: PathSeg[], message: string, offset?: number): void => {
    const at = formatPath(segs);
    if (reported.has(at)) return;
    reported.add(at);
    if (offset === undefined) c.atValue(segs, message);
    else c.add(offset, segs, message);
  };
  walkWithSchema(root, data, (schema, v, segs) => {
    if (typeof v !== 'string') return;
    if (schema.pattern === DURATION_PATTERN) {
      const problem = new RegExp(DURATION_PATTERN).test(v) ? durationProblem(v) : undefined;
      if (problem) report(segs, problem);
    }
    // A pattern with ${{ … }} in it is known only once interpolated: the step reports it then.
    if (schema.format === 'regex' && !v.includes('${{')) {
      const problem = userRegexProblem(v);
      if (!problem) return;
      const message = regexProblemText(problem);
      report(
        segs,
        message,
        problem.fragment ? offsetInScalar(c.doc, c.text, segs, problem.fragment, 0) : undefined,
      );
    }
  });
}

/** Calls `visit` for each value of `data` with each schema (branch) that applies to it. */
function walkWithSchema(
  root: JsonSchema,
  data: unknown,
  visit: (schema: Record<string, unknown>, v: unknown, segs: PathSeg[]) => void,
): void {
  const definitions = isObject(root.definitions) ? root.definitions : {};
  const walk = (schema: unknown, v: unknown, segs: PathSeg[]): void => {
    if (!isObject(schema) || v === undefined) return;
    if (typeof schema.$ref === 'string') {
      walk(definitions[schema.$ref.replace('#/definitions/', '')], v, segs);
      return;
    }
    visit(schema, v, segs);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      if (Array.isArray(schema[key])) for (const branch of schema[key]) walk(branch, v, segs);
    walk(schema.then, v, segs);
    if (isObject(v)) {
      const props = isObject(schema.properties) ? schema.properties : {};
      for (const [k, x] of Object.entries(v)) walk(props[k] ?? schema.additionalProperties, x, [...segs, k]);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(schema.items, x, [...segs, i]));
    }
  };
  walk(root, data, []);
}
