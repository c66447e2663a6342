/**
 * The JSON Schema of offload.yml, built from the step-kind and section registry. The same builder gives the
 * published file (offload.schema.json, for editors) and the schema loadConfig validates with.
 */
import {
  kindPhaseProblem,
  PHASES,
  PHASE_TITLES,
  type JsonSchema,
  type PhaseId,
  type StepKind,
} from '../vocabulary';

/** What the config needs of a step kind: its key and schemas (a full StepKind fits). */
export type StepKindShape = Pick<
  StepKind<never>,
  'key' | 'schema' | 'phases' | 'extraKeys' | 'check' | 'scriptShell'
>;
import { durationSchema, sizeSchema } from '../units';

/** The published schema's `$id` (`offload init` refers editors to the offload.schema.json it ships with). */
export const SCHEMA_URL = 'https://raw.githubusercontent.com/offload-dev/offload/main/offload.schema.json';

/** The built-in entry points and the phases each runs, used for any workflow offload.yml leaves out. */
export const DEFAULT_WORKFLOWS: Readonly<Record<string, readonly PhaseId[]>> = {
  local: ['local'],
  full: PHASES,
  services: ['local', 'aws-deploy', 'aws-test'],
  infrastructure: ['local', 'aws-prepare'],
  test: ['aws-test'],
  shutdown: ['shutdown'],
};

/** Environment variables that are always secret, whether or not `secrets:` lists them. */
export const ALWAYS_SECRET: readonly string[] = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY_ID',
];

/** Pattern of a step id (as GitHub Actions: letters, digits, `-`, `_`; starts with a letter or `_`). */
export const STEP_ID_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';

/** A URL a project names: http(s)://…, or one built by `${{ … }}` (the step checks it again once interpolated). */
export const URL_PATTERN = '^(https?://|\\$\\{\\{)';
const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** The most retries a step may ask for: more is a typo, not a plan (and `1e300` would never end). */
export const MAX_RETRIES = 100;

const envSchema = (description: string): JsonSchema => ({
  description,
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
});

/**
 * Text Offload shows in terminals and windows (names): no control characters, so an offload.yml cannot send
 * escape sequences (terminal titles, cursor moves, hidden text) to the user's terminal; no line or paragraph
 * separators (YAML 1.1 readers of the generated CI files end a comment line there), no bidi overrides,
 * isolates or marks (text shown in another order than it is), and no zero-width space, word joiner or BOM (two
 * names that read the same; the joiners U+200C/U+200D that scripts and emoji need stay allowed).
 */
export const DISPLAY_TEXT_PATTERN =
  '^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff]*$';

/** Keys every step may have, whatever its kind. */
export const COMMON_STEP_KEYS: Readonly<Record<string, JsonSchema>> = {
  id: {
    description:
      'Step id, unique across the config; later steps read its outputs as ${{ steps.<id>.outputs.<key> }}. Defaults to a slug of the name.',
    type: 'string',
    pattern: STEP_ID_PATTERN,
    maxLength: 64,
  },
  name: {
    description: 'What the step does, as displays show it (one line, no control characters).',
    type: 'string',
    minLength: 1,
    maxLength: 200,
    pattern: DISPLAY_TEXT_PATTERN,
  },
  env: envSchema('Environment variables for this step (added to the top-level env).'),
  cwd: {
    description: 'Working directory, relative to the folder holding offload.yml.',
    type: 'string',
    minLength: 1,
  },
  timeout: durationSchema('Fails the attempt (and stops its process tree) after this long.'),
  retries: {
    description: `How many times to retry a failed attempt (at most ${MAX_RETRIES}).`,
    type: 'integer',
    minimum: 0,
    maximum: MAX_RETRIES,
    default: 0,
  },
  'retry-delay': durationSchema('Wait before each retry (default 1s).'),
  'continue-on-error': {
    description: 'When true, a failure of this step does not fail its phase.',
    type: 'boolean',
    default: false,
  },
};

const PHASE_DESCRIPTIONS: Record<PhaseId, string> = {
  local:
    'Build, test and check the dev system locally. Every AWS phase needs this phase passed on the same source.',
  'aws-prepare': 'Prepare AWS: infrastructure, images, registries (the `infrastructure` entry point).',
  'aws-deploy': 'Deploy services and models to AWS. Every deployment must be followed by aws-test.',
  'aws-test': 'Check that what runs on AWS is healthy.',
  shutdown: 'Shut down the local dev system (local model servers) and point dev tools at AWS.',
  monitor: 'Keep watching AWS (alarms, logs) for issues.',
};

function withDescription(schema: JsonSchema, description: string): JsonSchema {
  return typeof schema.description === 'string' ? schema : { description, ...schema };
}

function stepSchema(stepKinds: readonly StepKindShape[], strictKinds: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = { ...COMMON_STEP_KEYS };
  const extraOwners = new Map<string, StepKindShape[]>();
  for (const kind of stepKinds) {
    if (kind.key in COMMON_STEP_KEYS)
      throw new Error(`step kind '${kind.key}' clashes with a common step key`);
    if (properties[kind.key]) throw new Error(`step kind '${kind.key}' is registered twice`);
    properties[kind.key] = withDescription(kind.schema, `Step kind '${kind.key}'.`);
  }
  for (const kind of stepKinds) {
    for (const extra of Object.keys(kind.extraKeys ?? {})) {
      if (extra in COMMON_STEP_KEYS || stepKinds.some((k) => k.key === extra)) {
        throw new Error(`extra key '${extra}' of step kind '${kind.key}' clashes with another step key`);
      }
      extraOwners.set(extra, [...(extraOwners.get(extra) ?? []), kind]);
    }
  }
  const allOf: JsonSchema[] = [];
  const dependencies: Record<string, JsonSchema> = {};
  for (const [extra, owners] of extraOwners) {
    const ownerKeys = owners.map((k) => k.key);
    const note = `Only with ${ownerKeys.map((k) => `'${k}'`).join(' or ')} steps.`;
    if (owners.length === 1) {
      const own = (owners[0] as StepKindShape).extraKeys?.[extra] ?? {};
      properties[extra] = withDescription(own, note);
    } else {
      properties[extra] = { description: note };
      for (const owner of owners) {
        allOf.push({
          if: { required: [owner.key] },
          then: { properties: { [extra]: owner.extraKeys?.[extra] ?? {} } },
        });
      }
    }
    dependencies[extra] =
      owners.length === 1 ? { required: ownerKeys } : { anyOf: ownerKeys.map((k) => ({ required: [k] })) };
  }
  const schema: JsonSchema = {
    description: `A step: common keys plus exactly one kind key (${stepKinds.map((k) => k.key).join(', ')}).`,
    type: 'object',
    additionalProperties: false,
    properties,
  };
  if (allOf.length) schema.allOf = allOf;
  if (strictKinds) {
    if (stepKinds.length) schema.oneOf = stepKinds.map((k) => ({ required: [k.key] }));
    if (Object.keys(dependencies).length) schema.dependencies = dependencies;
  }
  return schema;
}

/**
 * A step of `phase`: the step schema, and for editors (`strictKinds`) each kind that may not be in this phase
 * refused at its value in a sentence (`errorMessage`, which editors show instead of their own); loadConfig says more.
 */
function phaseStepSchema(
  stepKinds: readonly StepKindShape[],
  phase: PhaseId,
  strictKinds: boolean,
): JsonSchema {
  const step = { $ref: '#/definitions/step' };
  const refused = strictKinds ? stepKinds.filter((k) => kindPhaseProblem(k, phase) !== undefined) : [];
  if (!refused.length) return step;
  const properties = Object.fromEntries(
    refused.map((k) => [
      k.key,
      {
        not: {},
        errorMessage: `${k.key} is not allowed in ${phase}; it may only be used in ${k.phases.join(', ')}`,
      },
    ]),
  );
  return { allOf: [step, { properties }] };
}

/**
 * Schema variant: `strictKinds` adds the "exactly one kind key", "extra key needs its kind" and "kind only in its
 * phases" rules that loadConfig checks itself with better messages; the published schema carries them for editors.
 */
export function buildSchemaVariant(
  stepKinds: readonly StepKindShape[],
  sections: Readonly<Record<string, JsonSchema>>,
  strictKinds: boolean,
): JsonSchema {
  const phaseProps: Record<string, JsonSchema> = {};
  for (const id of PHASES) {
    phaseProps[id] = {
      description: `${PHASE_TITLES[id]}. ${PHASE_DESCRIPTIONS[id]}`,
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        steps: {
          description: 'Steps of this phase, run in order; a failed step stops the run.',
          type: 'array',
          items: phaseStepSchema(stepKinds, id, strictKinds),
        },
      },
    };
  }
  const properties: Record<string, JsonSchema> = {
    $schema: { description: 'URL of this schema (for editors).', type: 'string' },
    name: {
      description: 'Project name; defaults to the folder name (one line, no control characters).',
      type: 'string',
      minLength: 1,
      maxLength: 100,
      pattern: DISPLAY_TEXT_PATTERN,
    },
    env: envSchema('Environment variables for every step.'),
    secrets: {
      description:
        'Names of environment variables whose values are secret: masked in every log and in history, readable as ${{ secrets.NAME }}. AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_ACCESS_KEY_ID are always secret.',
      type: 'array',
      items: { type: 'string', pattern: ENV_NAME_PATTERN },
      uniqueItems: true,
    },
    phases: {
      description:
        'The six phases of the rule, in its order, with their steps. A phase left out has no steps.',
      type: 'object',
      additionalProperties: false,
      properties: phaseProps,
    },
    workflows: {
      description: `Entry points: name -> phases, in the rule's order. Defaults: ${Object.entries(
        DEFAULT_WORKFLOWS,
      )
        .map(([n, p]) => `${n}: [${p.join(', ')}]`)
        .join('; ')}. Listed names override these.`,
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { enum: [...PHASES] },
        minItems: 1,
        uniqueItems: true,
      },
    },
    history: {
      description: 'How much run history to keep for this project.',
      type: 'object',
      additionalProperties: false,
      properties: {
        keep: { description: 'Keep the last N runs (default 50).', type: 'integer', minimum: 1, default: 50 },
        'max-size': {
          ...sizeSchema("Disk cap for this project's history (default 200MB)."),
          default: '200MB',
        },
      },
    },
  };
  for (const [name, schema] of Object.entries(sections)) {
    if (properties[name]) throw new Error(`config section '${name}' clashes with a core key`);
    properties[name] = withDescription(schema, `Settings of the '${name}' concern.`);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_URL,
    title: 'Offload project config (offload.yml)',
    description:
      'Build and test locally, deploy to AWS, verify AWS, shut local model servers down, keep watching.',
    type: 'object',
    additionalProperties: false,
    properties,
    definitions: { step: stepSchema(stepKinds, strictKinds) },
  };
}

/** The published JSON Schema of offload.yml (written to offload.schema.json by `npm run schema`). */
export function buildConfigSchema(
  stepKinds: readonly StepKindShape[],
  sections: Readonly<Record<string, JsonSchema>>,
): JsonSchema {
  return buildSchemaVariant(stepKinds, sections, true);
}
