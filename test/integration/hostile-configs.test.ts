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
import { collect, startCli, tempDataDir, type CliResult } from '../helpers/cli';

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
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
    const queue = [...cases];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-hostile-'));
        const data = tempDataDir();
        try {
          fs.writeFileSync(path.join(dir, 'offload.yml'), c.text);
          fs.writeFileSync(path.join(dir, '.env'), 'A=y\n');
          const v = await cli(['validate'], dir, data).catch((e: Error) => ({
            code: -1,
            signal: null,
            stdout: '',
            stderr: `hang: ${e.message.slice(0, 200)}`,
          }));
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
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
          fs.rmSync(data, { recursive: true, force: true });
        }
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
    // The suite means something only if both sides occur.
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(cases.length);
  }, 600_000);
});
