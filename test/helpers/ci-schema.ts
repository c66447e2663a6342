/**
 * The CI platforms' published schemas (vendored under test/fixtures/ci-schemas, see its README) as one check:
 * the messages ajv gives for a YAML file against one of them (empty: valid).
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'ci-schemas');
const compiled = new Map<string, ValidateFunction>();

/** The schemas a generated CI file is checked against. */
export type CiSchema = 'gitlab-ci.json' | 'buildspec.schema.json';

/** What is wrong with `yamlText` by that schema, one line per problem (`/path: message`). */
export function ciSchemaErrors(schema: CiSchema, yamlText: string): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    // Draft-07 (both files say so); GitLab's schema carries editor keywords (markdownDescription) strict mode
    // rejects, and formats (uri, regex) need a plugin the project does not have: their patterns still count.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
    validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(DIR, schema), 'utf8')) as object);
    compiled.set(schema, validate);
  }
  if (validate(parse(yamlText) as unknown)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
}
