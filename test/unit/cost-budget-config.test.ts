/** `notify.budget` in offload.yml: parsed in USD, and a bad value refused at load with file:line:col. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

const OPTS = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-budget-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function load(budget: string) {
  const dir = path.join(root, `p${++n}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, `name: b\nnotify:\n  budget: ${budget}\n`);
  return { file, load: () => loadConfig(file, OPTS) };
}

describe('notify.budget', () => {
  it('parsed in USD per hour and per day; absent: no budget', () => {
    expect(load('{ per-hour: 1.5, per-day: 20 }').load().notify.budget).toEqual({ perHour: 1.5, perDay: 20 });
    expect(load('{ per-day: 20 }').load().notify.budget).toEqual({ perDay: 20 });
    expect(load('{}').load().notify.budget).toBeUndefined();
  });

  it.each([
    ['{ per-hour: -1 }', /notify\.budget\.per-hour: .*>= 0/],
    ['{ per-hour: "1.5$" }', /notify\.budget\.per-hour: .*number/],
    ['{ per-day: .inf }', /notify\.budget\.per-day: expected at most 100000000, got the number Infinity/],
    ['{ perHour: 1 }', /notify\.budget\.perHour: unknown key 'perHour' \(did you mean 'per-hour'\?\)/],
  ])('%s is refused at load with its position', (value, message) => {
    const c = load(value);
    let err: unknown;
    try {
      c.load();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(
      new RegExp(`${c.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: `),
    );
    expect((err as ConfigError).message).toMatch(message);
  });
});
