/**
 * Config switch on real files and real processes (issue 9, item 7): a symlinked switch file is switched at its
 * target and stays a link; a switch killed with SIGKILL mid-write leaves a recognisable temp file that the next
 * switch removes (no full copy stays in the project); YAML anchors, aliases, comments and spacing survive a
 * round trip, and a switched key whose value is an alias is refused with file:line; a value written as a block
 * scalar (`|`, `>-` …) is replaced without the line breaks after it, through the switcher and the built CLI.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSwitchConfig } from '../../main/core/switch/config';
import { ConfigSwitcher } from '../../main/core/switch/switcher';
import { runCli, tempDataDir } from '../helpers/cli';

const LOCAL = 'http://localhost:11434';
const AWS = 'https://bedrock.example.internal/v1';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-switch-files-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>) {
  const dir = path.join(root, name);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

function switcher(dir: string, files: unknown[]) {
  return new ConfigSwitcher({
    config: parseSwitchConfig({ files }, dir),
    stateDir: path.join(root, `${path.basename(dir)}-state`),
    env: {},
    project: { name: path.basename(dir), dir },
  });
}

const ENV_KEYS = { OLLAMA_HOST: { aws: AWS, local: LOCAL } };

describe('symlinked switch file', () => {
  test('.env -> config/dev.env: the target switches, the link is kept, the way back is byte for byte', async () => {
    const original = `# dev\nOLLAMA_HOST=${LOCAL}   # local\nOPENAI_API_KEY=sk-test\n`;
    const dir = project('linked', { 'config/dev.env': original });
    fs.symlinkSync('config/dev.env', path.join(dir, '.env'));
    const sw = switcher(dir, [{ path: '.env', keys: ENV_KEYS }]);
    expect(sw.current()).toBe('local');

    await sw.switchTo('aws');
    expect(fs.lstatSync(path.join(dir, '.env')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dir, '.env'))).toBe('config/dev.env');
    expect(fs.readFileSync(path.join(dir, 'config/dev.env'), 'utf8')).toBe(original.replace(LOCAL, AWS));
    expect(sw.current()).toBe('aws');

    await sw.switchTo('local');
    expect(fs.lstatSync(path.join(dir, '.env')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dir, '.env'))).toBe('config/dev.env');
    expect(fs.readFileSync(path.join(dir, 'config/dev.env'), 'utf8')).toBe(original);
    expect(fs.readdirSync(dir).sort()).toEqual(['.env', 'config']);
    expect(sw.current()).toBe('local');
  });

  test('a link that points outside the project (changed after validate) is refused, nothing written', async () => {
    const outside = path.join(root, 'outside.env');
    fs.writeFileSync(outside, `OLLAMA_HOST=${LOCAL}\n`);
    const dir = project('escape', {});
    fs.mkdirSync(dir);
    fs.symlinkSync(outside, path.join(dir, '.env'));
    const sw = switcher(dir, [{ path: '.env', keys: ENV_KEYS }]);
    await expect(sw.switchTo('aws')).rejects.toThrow(/\.env: is a link to .*outside the project folder/);
    expect(fs.readFileSync(outside, 'utf8')).toBe(`OLLAMA_HOST=${LOCAL}\n`);
  });
});

describe.runIf(process.platform !== 'win32')('a switch killed mid-write', () => {
  test('leaves a recognisable temp file; the next switch removes it and no full copy stays', async () => {
    // A big .env: the killed writer has written all of it to the temp file, as in the report.
    const big = `OLLAMA_HOST=${LOCAL}\n` + `# padding ${'x'.repeat(100)}\n`.repeat(20_000);
    const dir = project('killed', { 'big.env': big });
    const files = [{ path: 'big.env', keys: ENV_KEYS }];
    const stateDir = path.join(root, 'killed-state');

    // The real switcher in a real process, stopped just before its rename into the project and killed there.
    const bundle = path.join(root, 'switch-bundle.cjs');
    buildSync({
      entryPoints: [path.resolve(__dirname, '../../main/core/switch/switcher.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const cfgBundle = path.join(root, 'config-bundle.cjs');
    buildSync({
      entryPoints: [path.resolve(__dirname, '../../main/core/switch/config.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: cfgBundle,
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const script = `
      const fs = require('node:fs');
      const [bundle, cfgBundle, dir, stateDir, files] = process.argv.slice(1);
      const rename = fs.renameSync;
      fs.renameSync = (from, to) => {
        if (String(to).startsWith(dir + '/')) {
          process.stdout.write('written ' + from + '\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
        }
        return rename(from, to);
      };
      const { ConfigSwitcher } = require(bundle);
      const { parseSwitchConfig } = require(cfgBundle);
      new ConfigSwitcher({ config: parseSwitchConfig({ files: JSON.parse(files) }, dir), stateDir, env: {} })
        .switchTo('aws');
    `;
    const child = spawn(
      process.execPath,
      ['-e', script, bundle, cfgBundle, dir, stateDir, JSON.stringify(files)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const tmp = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        const m = /^written (.+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`switch exited (${code}) before writing: ${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    expect(path.basename(tmp)).toMatch(new RegExp(`^\\.big\\.env\\.offload-tmp-${child.pid}-[0-9a-f]{12}$`));
    expect(fs.readFileSync(tmp, 'utf8')).toBe(big.replace(LOCAL, AWS)); // the full copy the kill left
    expect(fs.readFileSync(path.join(dir, 'big.env'), 'utf8')).toBe(big); // the file itself untouched

    // A live writer's temp file (this process) and look-alikes that are not exactly ours are left alone.
    const live = path.join(dir, `.big.env.offload-tmp-${process.pid}-0123456789ab`);
    const notOurs = path.join(dir, '.big.env.offload-tmp-1-notours');
    fs.writeFileSync(live, 'live');
    fs.writeFileSync(notOurs, 'x');

    const sw = new ConfigSwitcher({
      config: parseSwitchConfig({ files }, dir),
      stateDir,
      env: {},
      project: { name: 'killed', dir },
    });
    await sw.switchTo('aws');
    expect(fs.readdirSync(dir).sort()).toEqual(
      ['big.env', path.basename(live), path.basename(notOurs)].sort(),
    );
    expect(fs.readFileSync(path.join(dir, 'big.env'), 'utf8')).toBe(big.replace(LOCAL, AWS));
    await sw.switchTo('local');
    expect(fs.readFileSync(path.join(dir, 'big.env'), 'utf8')).toBe(big);
  }, 30_000);
});

describe('YAML switch files keep anchors, aliases, comments and spacing', () => {
  const YAML = [
    '# tools   (hand-aligned)',
    'defaults: &defaults',
    '  timeout:   30     # seconds',
    '  retries: 2',
    'urls:',
    `  local: &local ${LOCAL}`,
    'llm:',
    '  <<: *defaults',
    `  base_url: ${LOCAL}    # points at ollama`,
    '  model:    llama3',
    'embeddings:',
    '  url: *local         # same server',
    'list: [a,  b]',
    '',
  ].join('\n');

  test('aws -> local is byte-identical and untouched lines are byte-identical after aws', async () => {
    const dir = project('yaml', { 'tools.yml': YAML });
    const sw = switcher(dir, [{ path: 'tools.yml', keys: { 'llm.base_url': { aws: AWS, local: LOCAL } } }]);
    await sw.switchTo('aws');
    const after = fs.readFileSync(path.join(dir, 'tools.yml'), 'utf8').split('\n');
    const before = YAML.split('\n');
    expect(after.length).toBe(before.length);
    for (let i = 0; i < before.length; i++) {
      if (i === 8) expect(after[i]).toBe(`  base_url: ${AWS}    # points at ollama`);
      else expect(after[i]).toBe(before[i]);
    }
    await sw.switchTo('local');
    expect(fs.readFileSync(path.join(dir, 'tools.yml'), 'utf8')).toBe(YAML);
  });

  test('the switch back after an edit (values only) also keeps every other line', async () => {
    const dir = project('yaml-edited', { 'tools.yml': YAML });
    const sw = switcher(dir, [{ path: 'tools.yml', keys: { 'llm.base_url': { aws: AWS, local: LOCAL } } }]);
    await sw.switchTo('aws');
    const file = path.join(dir, 'tools.yml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('retries: 2', 'retries: 3'));
    await sw.switchTo('local');
    expect(fs.readFileSync(file, 'utf8')).toBe(YAML.replace('retries: 2', 'retries: 3'));
  });

  test('a missing key is added as one line; every other line stays', async () => {
    const dir = project('yaml-missing', { 'tools.yml': YAML });
    const sw = switcher(dir, [
      { path: 'tools.yml', keys: { 'llm.api_key_env': { aws: 'AWS', local: 'NONE' } } },
    ]);
    await sw.switchTo('aws');
    const lines = YAML.split('\n');
    lines.splice(10, 0, '  api_key_env: AWS');
    expect(fs.readFileSync(path.join(dir, 'tools.yml'), 'utf8')).toBe(lines.join('\n'));
  });

  test.each([
    ['embeddings.url', 12, /its value is the alias \*local/],
    ['llm.timeout', 8, /merge `<<`/],
  ])(
    'a switched key %s whose value is an alias is refused with file:line, nothing written',
    async (key, line, why) => {
      const dir = project(`yaml-alias-${line}`, { 'tools.yml': YAML });
      const sw = switcher(dir, [{ path: 'tools.yml', keys: { [key]: { aws: AWS, local: LOCAL } } }]);
      const err = await sw.switchTo('aws').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(
        new RegExp(`^tools\\.yml:${line}: ${key.replace('.', '\\.')}: `),
      );
      expect((err as Error).message).toMatch(why);
      expect(fs.readFileSync(path.join(dir, 'tools.yml'), 'utf8')).toBe(YAML);
    },
  );
});

describe('YAML switch files: a value written as a block scalar', () => {
  const BLOCKS = 'a: plain\nd: |\n  block\ne: >-\n  folded\nf: 12\n';
  const KEYS = {
    d: { aws: '- dash', local: 'block\n' },
    e: { aws: '@at', local: 'folded' },
    f: { aws: '13', local: '12' },
  };
  const ON_AWS = 'a: plain\nd: "- dash"\ne: "@at"\nf: "13"\n';

  test('aws keeps each key on its line (valid YAML); local restores the file byte for byte', async () => {
    const dir = project('yaml-blocks', { 'dev.yaml': BLOCKS });
    const file = path.join(dir, 'dev.yaml');
    const sw = switcher(dir, [{ path: 'dev.yaml', keys: KEYS }]);
    expect(sw.current()).toBe('local');
    await sw.switchTo('aws');
    expect(fs.readFileSync(file, 'utf8')).toBe(ON_AWS);
    expect(sw.current()).toBe('aws');
    await sw.switchTo('local');
    expect(fs.readFileSync(file, 'utf8')).toBe(BLOCKS);
    expect(sw.current()).toBe('local');
  });

  test('after an edit on AWS the way back writes the multi-line value quoted, and it reads back the same', async () => {
    const dir = project('yaml-blocks-edited', { 'dev.yaml': BLOCKS });
    const file = path.join(dir, 'dev.yaml');
    const sw = switcher(dir, [{ path: 'dev.yaml', keys: KEYS }]);
    await sw.switchTo('aws');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}g: added\n`);
    await sw.switchTo('local');
    expect(fs.readFileSync(file, 'utf8')).toBe('a: plain\nd: "block\\n"\ne: "folded"\nf: "12"\ng: added\n');
    expect(sw.current()).toBe('local');
  });

  test('the built CLI: switch aws, then switch local, leave the original file', async () => {
    const data = tempDataDir();
    const dir = project('yaml-blocks-cli', {
      'dev.yaml': BLOCKS,
      'offload.yml': [
        'name: yaml-blocks-cli',
        'phases:',
        '  local:',
        '    steps:',
        '      - run: "true"',
        'switch:',
        '  files:',
        '    - path: dev.yaml',
        '      keys:',
        '        d: { aws: "- dash", local: "block\\n" }',
        '        e: { aws: "@at", local: folded }',
        '        f: { aws: "13", local: "12" }',
        '',
      ].join('\n'),
    });
    const file = path.join(dir, 'dev.yaml');
    const aws = await runCli(['switch', 'aws', '--force', '--data-dir', data], { cwd: dir });
    expect(aws.code, aws.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(ON_AWS);
    const local = await runCli(['switch', 'local', '--data-dir', data], { cwd: dir });
    expect(local.code, local.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(BLOCKS);
  }, 30_000);
});
