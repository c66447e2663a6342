// Which phases each step kind may be in (StepKind.phases, set in the kind's own file): the decided table, pinned
// so that a change is deliberate, and the README's table of it kept true.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_KINDS } from '../../main/core/registry';
import { kindPhaseProblem, PHASES } from '../../main/core/vocabulary';

const CHANGES_AWS = ['aws-prepare', 'aws-deploy'];
const READS_AWS = ['aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'];
const DECIDED: Record<string, readonly string[]> = {
  run: PHASES,
  http: PHASES,
  tcp: PHASES,
  'cloudformation-deploy': CHANGES_AWS,
  'ecs-deploy': CHANGES_AWS,
  'lambda-deploy': CHANGES_AWS,
  'eks-rollout': CHANGES_AWS,
  'ecs-wait-stable': READS_AWS,
  'cloudwatch-alarms-ok': READS_AWS,
  'cloudwatch-logs-clean': READS_AWS,
  'cloudwatch-metric': READS_AWS,
  'lambda-invoke': ['aws-deploy', 'aws-test', 'monitor'],
  'load-test': ['local', 'aws-test'],
  'stop-local-models': ['shutdown'],
  'switch-config': ['shutdown'],
};

describe('the phases of each step kind', () => {
  it('every registered kind declares the phases decided for it, in the rule order', () => {
    expect(Object.fromEntries(STEP_KINDS.map((k) => [k.key, [...k.phases]]))).toEqual(
      Object.fromEntries(Object.entries(DECIDED).map(([k, p]) => [k, [...p]])),
    );
    for (const k of STEP_KINDS) expect(k.phases, k.key).toEqual(PHASES.filter((p) => k.phases.includes(p)));
  });

  it('what changes AWS or stops the local models is refused in local and in monitor, which have no gate for it', () => {
    const acting = [
      'cloudformation-deploy',
      'ecs-deploy',
      'lambda-deploy',
      'eks-rollout',
      'stop-local-models',
      'switch-config',
    ];
    for (const key of acting) {
      const kind = STEP_KINDS.find((k) => k.key === key)!;
      expect(kindPhaseProblem(kind, 'local'), key).toMatch(
        new RegExp(`^step kind '${key}' is not allowed in phase local: ${key} may only be used in `),
      );
      expect(kindPhaseProblem(kind, 'monitor'), key).toBeDefined();
    }
  });

  it('a kind that declares no phases may be in none', () => {
    for (const p of PHASES) expect(kindPhaseProblem({ key: 'odd' }, p)).toMatch(/odd declares no phase/);
  });

  it("README's table says the same", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| (`[^|]+?)\s*\| ([a-z, -]+?)\s*\|$/gm)];
    const said: Record<string, string[]> = {};
    for (const [, kinds, phases] of rows) {
      const list = phases === 'any' ? [...PHASES] : phases!.split(', ');
      for (const [, kind] of kinds!.matchAll(/`([a-z-]+)`/g)) said[kind!] = list;
    }
    expect(said).toEqual(Object.fromEntries(STEP_KINDS.map((k) => [k.key, [...k.phases]])));
  });
});
