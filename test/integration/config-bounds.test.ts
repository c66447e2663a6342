// Hostile offload.yml (issue 9, items 5 and 6) through the real CLI: non-regular files, size, alias bombs,
// huge maps, user regexes: each refused with the place and exit 2, quickly, or valid.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { classify } from '../../main/core/machine/catalogue';
import { parseModelsConfig } from '../../main/core/machine/config';
import { compileUserRegex } from '../../main/core/units/regex';
import { runCli } from '../helpers/cli';
import { cleanupTemp, tempDir } from '../fixtures/engine/project';

afterAll(cleanupTemp);

const STEPS = 'phases:\n  local:\n    steps:\n      - run: echo hi\n';

async function validate(file: string, cwd = path.dirname(file)) {
  const t0 = Date.now();
  const r = await runCli(['validate', '-c', file], { cwd, untrusted: true, timeoutMs: 20_000 });
  return { ...r, ms: Date.now() - t0, out: r.stdout + r.stderr };
}

function write(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('no offload.yml', () => {
  it('says the file does not exist and how to create it, with no line or column', async () => {
    const dir = tempDir('none');
    const found = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(found.code).toBe(2);
    expect(found.stderr).toContain(
      `${path.join(dir, 'offload.yml')}: does not exist (nor does one in any folder above); create one with \`offload init\` in the project folder, or pass --config PATH`,
    );
    const named = await validate(path.join(dir, 'other.yml'));
    expect(named.code).toBe(2);
    expect(named.out).toContain(
      `${path.join(dir, 'other.yml')}: does not exist; create it with \`offload init\``,
    );
    for (const out of [found.stderr, named.out]) {
      expect(out).not.toMatch(/\.yml:\d+:\d+/);
      expect(out).not.toMatch(/\n\s+at /);
    }
  });
});

describe('offload.yml that is not a regular file or too big', () => {
  it('a FIFO with no writer: exit 2 naming it, no hang', async () => {
    const dir = tempDir('fifo');
    const fifo = path.join(dir, 'offload.yml');
    execFileSync('mkfifo', [fifo]);
    const r = await validate(fifo);
    expect(r.code).toBe(2);
    expect(r.out).toContain('must be a regular file; this is a named pipe (FIFO)');
    expect(r.ms).toBeLessThan(5000);
  });

  it('/dev/zero and a directory: exit 2, memory stays small', async () => {
    const dev = await validate('/dev/zero', tempDir('zero'));
    expect(dev.code).toBe(2);
    expect(dev.out).toContain('this is a character device');
    const dir = tempDir('dir');
    const d = await validate(dir);
    expect(d.code).toBe(2);
    expect(d.out).toContain('this is a directory');
  });

  it('a file over the size cap: exit 2 with the size and the cap', async () => {
    const dir = tempDir('big');
    const f = write(dir, 'offload.yml', `name: x\n# ${'x'.repeat(300 * 1024)}\n${STEPS}`);
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /offload\.yml:1:1: cannot read the config: the config is larger than 256 KB \(301 KB\)/,
    );
    expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a 200 000-key env is refused by the cap at once (it took over 150 s)', async () => {
    const dir = tempDir('env');
    let text = 'name: x\nenv:\n';
    for (let i = 0; i < 200_000; i++) text += `  K${i}: v\n`;
    const r = await validate(write(dir, 'offload.yml', text + STEPS));
    expect(r.code).toBe(2);
    expect(r.out).toContain('larger than 256 KB');
    expect(r.ms).toBeLessThan(5000);
  });
});

describe('switch files that are not regular files', () => {
  const SWITCH = (file: string) =>
    `name: x\n${STEPS}switch:\n  files:\n    - path: ${file}\n      format: env\n      keys: { A: { aws: a, local: b } }\n`;

  it('a FIFO, a folder and /dev/null (via a symlink) are refused at validate with the place, never opened', async () => {
    const dir = tempDir('switch-fifo');
    execFileSync('mkfifo', [path.join(dir, 'dev.env')]);
    fs.mkdirSync(path.join(dir, 'conf.d'));
    fs.symlinkSync('/dev/null', path.join(dir, 'null.env'));
    const fifo = await validate(write(dir, 'offload.yml', SWITCH('dev.env')));
    expect(fifo.code).toBe(2);
    expect(fifo.out).toMatch(/offload\.yml:8:13: .*dev\.env is a named pipe \(FIFO\), not a regular file/);
    expect(fifo.ms).toBeLessThan(5000);
    const folder = await validate(write(dir, 'offload.yml', SWITCH('conf.d')));
    expect(folder.code).toBe(2);
    expect(folder.out).toMatch(/offload\.yml:8:13: .*conf\.d is a folder, not a regular file/);
    // /dev/null is outside the project: that problem is reported (once), not its kind.
    const dev = await validate(write(dir, 'offload.yml', SWITCH('null.env')));
    expect(dev.code).toBe(2);
    expect(dev.out).toContain('outside the project folder');
    expect(dev.out).not.toContain('character device');
  });

  it('a regular switch file and one not created yet still validate', async () => {
    const dir = tempDir('switch-ok');
    write(dir, 'dev.env', 'A=b\n');
    expect((await validate(write(dir, 'offload.yml', SWITCH('dev.env')))).code).toBe(0);
    expect((await validate(write(dir, 'offload.yml', SWITCH('later.env')))).code).toBe(0);
  });
});

describe('YAML alias amplification and duplicate keys', () => {
  it('one anchor used 999 times (under the package alias count) is refused at the alias, quickly', async () => {
    const dir = tempDir('laughs');
    const big = `big: &big [${Array.from({ length: 20_000 }, () => 'lol').join(',')}]`;
    const refs = `refs: [${Array.from({ length: 999 }, () => '*big').join(',')}]`;
    const f = write(dir, 'offload.yml', `name: x\n${big}\n${refs}\n${STEPS}`);
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${f}:3:`);
    expect(r.out).toContain('YAML aliases here expand to more than 100000 values');
    expect(r.ms).toBeLessThan(5000);
  });

  it('a merge-key bomb in a step env is refused at its position', async () => {
    const dir = tempDir('merge');
    const map = `{${Array.from({ length: 2000 }, (_, i) => `k${i}: v`).join(', ')}}`;
    const merges = Array.from({ length: 999 }, () => '*m').join(', ');
    const text = `name: x\nenv:\n  M: &m ${map}\n${STEPS}        env:\n          <<: [${merges}]\n`;
    const f = write(dir, 'offload.yml', text);
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:\\d+: YAML aliases`));
    expect(r.ms).toBeLessThan(5000);
  });

  it('the classic nested billion laughs is refused', () => {
    const lines = ['name: x', `a0: &a0 [${Array(10).fill('"lol"').join(',')}]`];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    const t0 = performance.now();
    expect(() =>
      parseConfig(lines.join('\n') + '\n' + STEPS, '/x/offload.yml', {
        stepKinds: STEP_KINDS,
        sections: CONFIG_SECTIONS,
      }),
    ).toThrow(/YAML aliases here expand|Excessive alias count/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('duplicate keys are found in linear time: 200 000 keys parse without the quadratic check', () => {
    const opts = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };
    let text = 'name: x\nenv:\n';
    for (let i = 0; i < 200_000; i++) text += `  K${i}: v\n`;
    const t0 = performance.now();
    const config = parseConfig(text + STEPS, '/x/offload.yml', opts);
    const ms = performance.now() - t0;
    expect(Object.keys(config.env)).toHaveLength(200_000);
    // Quadratic, this took over 150 s; linear it is a few seconds even on a loaded CI machine.
    expect(ms).toBeLessThan(30_000);
    // …and a duplicate is still reported at the repeated key.
    expect(() =>
      parseConfig('name: x\nenv:\n  A: 1\n  B: 2\n  A: 3\n' + STEPS, '/x/offload.yml', opts),
    ).toThrow(/offload\.yml:5:3: YAML syntax error: Map keys must be unique: 'A' is repeated/);
  });
});

describe('user regular expressions', () => {
  it('a matcher regex with a syntax error fails validate with file:line:col at the fault', async () => {
    const dir = tempDir('regex');
    const f = write(
      dir,
      'offload.yml',
      `name: x\n${STEPS}models:\n  matchers:\n    - name: mine\n      cmdline: 'serve (--port'\n  exclude:\n    - cmdline: '(?=x)(a+)+$'\n`,
    );
    const r = await validate(f);
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      `${f}:9:17: models.matchers[0].cmdline: invalid regular expression: missing closing )`,
    );
    expect(r.out).toMatch(
      /:11:22: models\.exclude\[0\]\.cmdline: invalid regular expression: a quantified group \(\(a\+\)\+\) can backtrack/,
    );
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it('an http body regex is checked too; one with ${{ }} waits for interpolation', () => {
    const opts = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };
    const step = (re: string) =>
      `name: x\nphases:\n  local:\n    steps:\n      - id: a\n        run: echo hi\n      - http:\n          url: http://127.0.0.1:1/\n          body: { regex: '${re}' }\n`;
    expect(() => parseConfig(step('ok(\\d+'), '/x/offload.yml', opts)).toThrow(
      /offload\.yml:9:\d+: phases\.local\.steps\[1\]\.http\.body\.regex: invalid regular expression/,
    );
    expect(() => parseConfig(step('${{ steps.a.outputs.x }}'), '/x/offload.yml', opts)).not.toThrow();
  });

  it('^(a+)+$ costs microseconds, not seconds, per process name (linear-time engine)', () => {
    const models = parseModelsConfig({ matchers: [{ name: 'evil', cmdline: '^(a+)+$' }] });
    const argv = ['a'.repeat(5000) + '!'];
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(classify(argv, { matchers: models.matchers })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
    // A backtracking engine on a mere 30 characters: 2^30 steps (shown by the pattern's own semantics).
    expect(compileUserRegex('^(a+)+$').test('aaaa')).toBe(true);
  });

  it('lookaround and backreferences run on JS RegExp only when too simple to backtrack, on a bounded subject', () => {
    // The exclusion the tests themselves use: everything not under a folder.
    const notMine = compileUserRegex('^(?!.*/tmp/box)');
    expect(notMine.test('/usr/bin/ollama serve')).toBe(true);
    expect(notMine.test('/tmp/box/llama-server -m x')).toBe(false);
    expect(compileUserRegex('(a)\\1').test('xaax')).toBe(true);
    const t0 = performance.now();
    expect(notMine.test('x'.repeat(1_000_000))).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(() => compileUserRegex('(?=a)(a+)+$')).toThrow(/quantified group \(\(a\+\)\+\)/);
    expect(() => compileUserRegex('(a)\\1.*x.*y')).toThrow(/at most one unbounded quantifier/);
    expect(() => compileUserRegex('(?<=x)a?b?c?d?')).toThrow(/3 quantifiers in all/);
  });
});
