/**
 * The hostile-input suite: over 100 malformed or hostile offload.yml files (test/fixtures/hostile) through the
 * real CLI's `validate` and, when one is valid, `run local`. Each is valid or exit 2 with file:line:column;
 * none crashes with a stack trace, hangs (a 20 s guard kills it), grows past a 200 MB heap (the process runs
 * with --max-old-space-size=200, so a blow-up fails the case), or sends a control character to the terminal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostileConfigs, type HostileCase } from '../fixtures/hostile/configs';
import { runCliBatch } from '../helpers/cli-batch';
import { collect, startCli, tempDataDir, type CliResult } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
/** Cases also run through a process of their own, which must match the batch exactly. */
const E2E = ['tab indentation', 'binary garbage', 'deep nesting', 'anchor used 5000 times', 'billion laughs'];
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

async function cli(args: string[], dir: string, data: string): Promise<CliResult> {
  const child = startCli([...args, '--data-dir', data], {
    cwd: dir,
    env: { NODE_OPTIONS: '--max-old-space-size=200', NO_COLOR: '1' },
  });
  return collect(child, 20_000);
}

function check(c: HostileCase, r: CliResult, allowed: number[]): string[] {
  const problems: string[] = [];
  const all = r.stdout + r.stderr;
  if (!allowed.includes(r.code ?? -1)) problems.push(`exit ${r.code} (signal ${r.signal})`);
  if (STACK.test(all) || all.includes('Node.js v')) problems.push('stack trace');
  if (CONTROL.test(all)) problems.push('control character in the output');
  if (r.code === 2 && !/offload\.yml:\d+:\d+: /.test(r.stderr))
    problems.push('exit 2 without file:line:column');
  return problems.map((p) => `${c.name}: ${p}\n${all.slice(0, 600)}`);
}

describe('hostile configs', () => {
  const cases = hostileConfigs();

  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it('each is valid or exit 2 with file:line:column; never a stack, a hang, a blow-up or a control character', async () => {
    const failures: string[] = [];
    let valid = 0;
    // Keyed by index: two generated cases may share a name.
    const keyed = cases.map((c, i) => ({ ...c, key: `${i}` }));
    const dirs = new Map<string, { dir: string; data: string }>();
    for (const c of keyed) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-hostile-'));
      const data = tempDataDir();
      fs.writeFileSync(path.join(dir, 'offload.yml'), c.text);
      fs.writeFileSync(path.join(dir, '.env'), 'A=y\n');
      trustProject(dir, data);
      dirs.set(c.key, { dir, data });
    }
    try {
      // `validate` for every case: the built CLI's main() in one process per half (the same 200 MB heap and
      // 20 s hang guard per case; a case that crashes or hangs it is reported and the rest go on).
      const batch = (part: typeof keyed) =>
        runCliBatch(
          part.map((c) => ({
            name: c.key,
            args: ['validate', '--data-dir', dirs.get(c.key)!.data],
            cwd: dirs.get(c.key)!.dir,
          })),
          { env: { NODE_OPTIONS: '--max-old-space-size=200', NO_COLOR: '1' }, stallMs: 20_000 },
        );
      const half = Math.ceil(keyed.length / 2);
      const [a, b] = await Promise.all([batch(keyed.slice(0, half)), batch(keyed.slice(half))]);
      const validated = new Map([...a, ...b]);
      expect(validated.size).toBe(keyed.length);
      // End to end: some cases through a process of their own give the same result as in the batch (the
      // column of a stack overflow in the YAML parser depends on the stack's depth, so it is left out).
      const same = (r: CliResult) => ({
        code: r.code,
        stdout: r.stdout,
        stderr: r.stderr.replace(/:(\d+):\d+(: YAML nested too deeply)/g, ':$1:_$2'),
      });
      for (const name of E2E) {
        const c = keyed.find((x) => x.name === name)!;
        expect(c, name).toBeDefined();
        const own = await cli(['validate'], dirs.get(c.key)!.dir, dirs.get(c.key)!.data);
        if (name === 'deep nesting') expect(own.stderr).toMatch(/YAML nested too deeply to read/);
        expect(same(own), name).toEqual(same(validated.get(c.key)!));
      }
      const queue = [...keyed];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const { dir, data } = dirs.get(c.key)!;
          const v = validated.get(c.key)!;
          failures.push(...check(c, v, [0, 2]));
          if (v.code === 0) {
            valid++;
            const r = await cli(['run', 'local'], dir, data).catch((e: Error) => ({
              code: -1,
              signal: null,
              stdout: '',
              stderr: `hang: ${e.message.slice(0, 200)}`,
            }));
            failures.push(...check(c, r, [0, 1]));
          }
        }
      };
      await Promise.all([worker(), worker()]);
    } finally {
      for (const { dir, data } of dirs.values()) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(data, { recursive: true, force: true });
      }
    }
    expect(failures).toEqual([]);
    // The suite means something only if both sides occur.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(cases.length);
  }, 600_000);
});
