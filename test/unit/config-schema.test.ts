import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../main/core/config';
import { initConfig } from '../../main/core/init';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { PHASES } from '../../main/core/workflow/types';
import { TEST_KINDS, TEST_SECTIONS } from '../fixtures/configs/kinds';

const root = path.resolve(__dirname, '../..');

describe('offload.schema.json', () => {
  it('is up to date with the step-kind and section registry', () => {
    const committed: unknown = JSON.parse(fs.readFileSync(path.join(root, 'offload.schema.json'), 'utf8'));
    const built: unknown = JSON.parse(JSON.stringify(buildConfigSchema(STEP_KINDS, CONFIG_SECTIONS)));
    if (JSON.stringify(committed) !== JSON.stringify(built)) {
      throw new Error(
        'offload.schema.json is out of date with main/core/registry.ts (STEP_KINDS, CONFIG_SECTIONS): run `npm run schema` and commit the result',
      );
    }
    expect(committed).toEqual(built);
  });
});

describe('buildConfigSchema', () => {
  const schema = buildConfigSchema(TEST_KINDS, TEST_SECTIONS);
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, formats: { regex: true } });
  const validate = ajv.compile(schema);
  const fixture = parse(
    fs.readFileSync(path.join(root, 'test/fixtures/configs/full.yml'), 'utf8'),
  ) as unknown;

  it('documents every key editors complete', () => {
    const props = schema.properties as Record<string, { description?: string }>;
    for (const key of ['name', 'env', 'secrets', 'phases', 'workflows', 'history', 'aws', 'models']) {
      expect(props[key]?.description, key).toBeTruthy();
    }
    const phases = (props.phases as { properties: Record<string, { description: string }> }).properties;
    expect(Object.keys(phases)).toEqual([...PHASES]);
    const step = (
      schema.definitions as Record<string, { properties: Record<string, { description?: string }> }>
    ).step;
    for (const key of [
      'id',
      'name',
      'env',
      'cwd',
      'timeout',
      'retries',
      'retry-delay',
      'continue-on-error',
      'run',
      'http',
      'shell',
    ]) {
      expect(step?.properties[key]?.description, key).toBeTruthy();
    }
  });

  it('accepts a valid config and what offload init writes', () => {
    expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true);
    // offload init writes the real step kinds (stop-local-models, switch-config, …): the published schema.
    const published = new Ajv({ strict: false, allowUnionTypes: true, formats: { regex: true } }).compile(
      buildConfigSchema(STEP_KINDS, CONFIG_SECTIONS),
    );
    expect(published(parse(initConfig(root).text)), JSON.stringify(published.errors)).toBe(true);
  });

  it('rejects, for editors, steps with no kind or two kinds and kind-only keys on other kinds', () => {
    const withStep = (step: unknown) => ({ name: 'x', phases: { local: { steps: [step] } } });
    expect(validate(withStep({ run: 'make' }))).toBe(true);
    expect(validate(withStep({ name: 'nothing' }))).toBe(false);
    expect(validate(withStep({ run: 'make', tcp: 'db:1' }))).toBe(false);
    expect(validate(withStep({ tcp: 'db:1', shell: 'bash' }))).toBe(false);
    expect(validate(withStep({ run: 'make', timeout: 'soon' }))).toBe(false);
    expect(validate({ name: 'x', phases: { deploy: {} } })).toBe(false);
    expect(validate({ name: 'x', workflows: { w: ['local', 'fly'] } })).toBe(false);
  });

  it('refuses, for editors, a step kind in a phase it may not be in, saying where it may be used', () => {
    const published = buildConfigSchema(STEP_KINDS, CONFIG_SECTIONS);
    const check = new Ajv({ strict: false, allowUnionTypes: true, formats: { regex: true } }).compile(
      published,
    );
    const inPhase = (phase: string, step: unknown) => ({ name: 'x', phases: { [phase]: { steps: [step] } } });
    const deploy = { 'ecs-deploy': { cluster: 'dev', service: 'api' } };
    expect(check(inPhase('aws-deploy', deploy)), JSON.stringify(check.errors)).toBe(true);
    expect(check(inPhase('local', deploy))).toBe(false);
    expect(check(inPhase('monitor', deploy))).toBe(false);
    expect(check(inPhase('shutdown', { 'stop-local-models': true }))).toBe(true);
    expect(check(inPhase('aws-prepare', { 'stop-local-models': true }))).toBe(false);
    expect(check(inPhase('local', { run: 'make' }))).toBe(true);
    type Items = { allOf: [unknown, { properties: Record<string, { errorMessage?: string }> }] };
    const phases = (published.properties as { phases: { properties: Record<string, unknown> } }).phases;
    const local = (phases.properties.local as { properties: { steps: { items: Items } } }).properties.steps
      .items;
    expect(local.allOf[1].properties['ecs-deploy']?.errorMessage).toBe(
      'ecs-deploy is not allowed in local; it may only be used in aws-prepare, aws-deploy',
    );
  });

  it('refuses a step kind whose key clashes with a common step key', () => {
    expect(() => buildConfigSchema([{ key: 'env', schema: {}, phases: [] }], {})).toThrow(
      /clashes with a common step key/,
    );
    expect(() => buildConfigSchema([], { name: {} })).toThrow(/clashes with a core key/);
  });
});
