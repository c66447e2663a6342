import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  AJV_OPTIONS,
  CHECK_AJV_OPTIONS,
  checkThenExplain,
  splitForLazyCompile,
  validationSchema,
} from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

const root = path.resolve(__dirname, '../..');
const schema = validationSchema({ stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
const full = new Ajv(AJV_OPTIONS).compile(schema);
const check = new Ajv(CHECK_AJV_OPTIONS).compile(splitForLazyCompile(schema));

/** The configs the repository ships (valid) and the test fixture written for other kinds (not all valid here). */
function corpus(): unknown[] {
  const files = [
    ...fs
      .readdirSync(path.join(root, 'examples'))
      .map((d) => path.join(root, 'examples', d, 'offload.yml'))
      .filter((f) => fs.existsSync(f)),
    path.join(root, 'test/fixtures/configs/full.yml'),
  ];
  return files.map((f) => parse(fs.readFileSync(f, 'utf8')) as unknown);
}

/** Each value replaced by values of the wrong (and right) shape, and an unknown key added to each mapping. */
function* mutations(data: unknown): Generator<unknown> {
  const replacements = [0, -1, 1e12, 'x', '', '5x', true, null, [], {}, ['x'], { bogus: 1 }];
  function* at(v: unknown, set: (x: unknown) => unknown): Generator<unknown> {
    for (const r of replacements) yield set(r);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) yield* at(v[i], (x) => set(v.map((e, j) => (j === i ? x : e))));
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      yield set({ ...o, 'not-a-key': 1 });
      for (const k of Object.keys(o)) {
        yield* at(o[k], (x) => set({ ...o, [k]: x }));
        const { [k]: _dropped, ...rest } = o;
        yield set(rest);
      }
    }
  }
  yield* at(data, (x) => x);
}

describe('the fast validity check', () => {
  it('moves the large sub-schemas to definitions of their own', () => {
    const split = splitForLazyCompile(schema);
    const props = split.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(split.definitions as object).length).toBeGreaterThan(10);
    expect(props.phases).toEqual({ $ref: expect.stringMatching(/^#\/definitions\/split-\d+$/) });
    expect(props.name).not.toHaveProperty('$ref');
    // the schema it was made from is unchanged
    expect((schema.properties as Record<string, object>).phases).not.toHaveProperty('$ref');
  });

  it('finds valid exactly what the full validator finds valid, over every mutation of the shipped configs', () => {
    let valid = 0;
    let invalid = 0;
    const configs = corpus();
    expect(full(configs[0]), JSON.stringify(full.errors)).toBe(true);
    for (const config of configs) {
      for (const m of mutations(config)) {
        const want = full(m);
        if (check(m) !== want)
          throw new Error(`check and full disagree (full: ${want}) on ${JSON.stringify(m)}`);
        if (want) valid++;
        else invalid++;
      }
    }
    expect(valid).toBeGreaterThan(50);
    expect(invalid).toBeGreaterThan(500);
  });
});

describe('checkThenExplain', () => {
  it('loads the full validator only for a config that fails, and reports its errors', () => {
    let loads = 0;
    const validate = checkThenExplain(check, (): ValidateFunction => {
      loads++;
      return full;
    });
    const config = corpus()[0];
    expect(validate(config)).toBe(true);
    expect(validate.errors).toBeNull();
    expect(loads).toBe(0);
    expect(validate({ ...(config as object), watch: { bogus: 1 }, name: 5 })).toBe(false);
    expect(loads).toBe(1);
    // every error, as the full validator gives them (allErrors, verbose), not the check's first one
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual(['/name', '/watch']);
    expect(validate.errors?.[0]).toHaveProperty('parentSchema');
  });
});
