/**
 * The fast validity check a build ships beside the full validator (start-up, issue 20): a config that is valid,
 * the usual case, is answered by small functions that V8 compiles only for the sections and step kinds the file
 * uses; the full validator (every error, verbose, one large function per schema) is loaded only to explain a
 * config that fails.
 */
import type { Options as AjvOptions, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../vocabulary';
import { isObject } from './messages';
import { AJV_OPTIONS } from './validate-schema';

/** Same validity as AJV_OPTIONS (no defaults, coercion or removal either way); stops at the first error. */
export const CHECK_AJV_OPTIONS: AjvOptions = {
  ...AJV_OPTIONS,
  allErrors: false,
  verbose: false,
  messages: false,
};

// A sub-schema this large (serialised) becomes its own definition, so its own function.
const SPLIT_ABOVE = 300;

/**
 * The same schema with each large property, item and additional-property sub-schema moved to `definitions`
 * behind a `$ref` (alone, as draft-07 requires): the same instances are valid, and Ajv (inlineRefs off) compiles
 * each moved sub-schema to a function of its own that runs only when the data has that key.
 */
export function splitForLazyCompile(schema: JsonSchema): JsonSchema {
  const root = structuredClone(schema) as Record<string, unknown>;
  const definitions: Record<string, unknown> = isObject(root.definitions) ? { ...root.definitions } : {};
  let n = 0;
  const moved = (sub: unknown): unknown => {
    if (!isObject(sub) || JSON.stringify(sub).length <= SPLIT_ABOVE) return sub;
    let name = `split-${n++}`;
    while (name in definitions) name = `split-${n++}`;
    definitions[name] = sub;
    split(sub);
    return { $ref: `#/definitions/${name}` };
  };
  const split = (s: Record<string, unknown>): void => {
    for (const key of ['properties', 'patternProperties'] as const) {
      const props = s[key];
      if (isObject(props)) for (const k of Object.keys(props)) props[k] = moved(props[k]);
    }
    if (isObject(s.additionalProperties)) s.additionalProperties = moved(s.additionalProperties);
    if (isObject(s.items)) s.items = moved(s.items);
  };
  for (const d of Object.values(definitions)) if (isObject(d)) split(d);
  split(root);
  root.definitions = definitions;
  return root as JsonSchema;
}

/**
 * One validator from the two a build ships: `check` decides, and only when it fails is `explain` (the full
 * validator) loaded and run for the errors loadConfig reports.
 */
export function checkThenExplain(check: ValidateFunction, explain: () => ValidateFunction): ValidateFunction {
  const validate = ((data: unknown): boolean => {
    if (check(data)) {
      validate.errors = null;
      return true;
    }
    const full = explain();
    const valid = full(data);
    validate.errors = full.errors as ErrorObject[] | null | undefined;
    return valid;
  }) as ValidateFunction;
  return validate;
}
