/**
 * Config switch on real files: .env, JSON with comments, YAML with comments. Only the switched values change
 * (byte for byte elsewhere); revert restores the exact original bytes; a user edit made while on AWS survives.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseSwitchConfig } from '../../main/core/switch/config';
import { ConfigSwitcher } from '../../main/core/switch/switcher';
import { readValue, setValues } from '../../main/core/switch/edit';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-switch-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const LOCAL = 'http://localhost:11434';
const AWS = 'https://api.example.internal/v1';

const ENV = `# dev settings\r\nexport OLLAMA_HOST=${LOCAL}   # local model server\r\nOTHER="keep me"\r\nMODEL='llama3:8b'\r\n`;
const JSON_TEXT = `{\n    // editor settings\n    "llm": {\n        "baseUrl": "${LOCAL}", /* inline */\n        "model": "llama3"\n    },\n    "trailing": [1, 2,],\n}\n`;
const YAML_TEXT = `# tools\nllm:\n  base_url: ${LOCAL}   # points at ollama\n  model: 'llama3'\nlist: [a,  b]\nother: "x"\n`;

function setup() {
  fs.writeFileSync(path.join(dir, '.env.local'), ENV);
  fs.writeFileSync(path.join(dir, 'settings.jsonc'), JSON_TEXT);
  fs.writeFileSync(path.join(dir, 'tools.yml'), YAML_TEXT);
  const cfg = parseSwitchConfig(
    {
      files: [
        {
          path: '.env.local',
          keys: {
            OLLAMA_HOST: { aws: AWS, local: LOCAL },
            MODEL: { aws: 'bedrock-llama', local: 'llama3:8b' },
          },
        },
        { path: 'settings.jsonc', keys: { 'llm.baseUrl': { aws: AWS, local: LOCAL } } },
        { path: 'tools.yml', keys: { 'llm.base_url': { aws: '${{ env.API_URL }}', local: LOCAL } } },
      ],
    },
    dir,
  );
  return new ConfigSwitcher({ config: cfg, stateDir: path.join(dir, 'state'), env: { API_URL: AWS } });
}

const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

describe('config switch', () => {
  test('a value an earlier switch-config step gave is used again, and the result says which keys', async () => {
    const sw = setup();
    const stepGiven = 'https://from-step.example/v1';
    const first = await sw.switchTo('aws', { awsValues: { 'llm.baseUrl': stepGiven } });
    expect(first.files.some((f) => f.remembered)).toBe(false); // given now, not remembered
    await sw.switchTo('local');
    const again = await sw.switchTo('aws');
    expect(read('settings.jsonc')).toContain(stepGiven);
    expect(again.files.map((f) => f.remembered)).toEqual([undefined, ['llm.baseUrl'], undefined]);
  });

  test('formats are inferred and only switched values change, byte for byte', async () => {
    const sw = setup();
    expect(sw.current()).toBe('local');
    const res = await sw.switchTo('aws');
    expect(res.files.map((f) => f.changed)).toEqual([
      ['OLLAMA_HOST', 'MODEL'],
      ['llm.baseUrl'],
      ['llm.base_url'],
    ]);
    expect(read('.env.local')).toBe(ENV.replace(LOCAL, AWS).replace("'llama3:8b'", "'bedrock-llama'"));
    expect(read('settings.jsonc')).toBe(JSON_TEXT.replace(LOCAL, AWS));
    expect(read('tools.yml')).toBe(YAML_TEXT.replace(LOCAL, AWS));
    expect(sw.current()).toBe('aws');
    // No temp files left next to the user's files.
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('revert restores the exact original bytes; the state persists across instances', async () => {
    await setup().switchTo('aws');
    // A fresh switcher (as after a restart) derives the target from the files.
    const sw2 = new ConfigSwitcher({
      config: parseSwitchConfig(
        {
          files: [
            {
              path: '.env.local',
              keys: {
                OLLAMA_HOST: { aws: AWS, local: LOCAL },
                MODEL: { aws: 'bedrock-llama', local: 'llama3:8b' },
              },
            },
            { path: 'settings.jsonc', keys: { 'llm.baseUrl': { aws: AWS, local: LOCAL } } },
            { path: 'tools.yml', keys: { 'llm.base_url': { aws: '${{ env.API_URL }}', local: LOCAL } } },
          ],
        },
        dir,
      ),
      stateDir: path.join(dir, 'state'),
      env: { API_URL: AWS },
    });
    expect(sw2.current()).toBe('aws');
    const res = await sw2.switchTo('local');
    expect(res.files.every((f) => f.restoredBackup)).toBe(true);
    expect(read('.env.local')).toBe(ENV);
    expect(read('settings.jsonc')).toBe(JSON_TEXT);
    expect(read('tools.yml')).toBe(YAML_TEXT);
    expect(sw2.current()).toBe('local');
  });

  test('an edit made while on AWS survives the switch back (values-only edit, no stale restore)', async () => {
    const sw = setup();
    await sw.switchTo('aws');
    fs.appendFileSync(path.join(dir, 'tools.yml'), 'added: by-user # keep\n');
    await sw.switchTo('local');
    expect(read('tools.yml')).toBe(YAML_TEXT + 'added: by-user # keep\n');
    // The untouched files were restored exactly.
    expect(read('settings.jsonc')).toBe(JSON_TEXT);
  });

  test('an unparseable file leaves every file untouched with a clear message', async () => {
    const sw = setup();
    fs.writeFileSync(path.join(dir, 'settings.jsonc'), '{ "llm": { "baseUrl": ');
    await expect(sw.switchTo('aws')).rejects.toThrow(/settings.jsonc: not valid JSON/);
    expect(read('.env.local')).toBe(ENV);
    expect(read('tools.yml')).toBe(YAML_TEXT);
  });

  test('an unresolvable AWS value says how to provide it; values given by the step are remembered', async () => {
    fs.writeFileSync(path.join(dir, '.env'), `API=${LOCAL}\n`);
    const cfg = parseSwitchConfig(
      { files: [{ path: '.env', keys: { API: { aws: '${{ steps.deploy.outputs.url }}', local: LOCAL } } }] },
      dir,
    );
    const sw = new ConfigSwitcher({ config: cfg, stateDir: path.join(dir, 'state'), env: {} });
    await expect(sw.switchTo('aws')).rejects.toThrow(/API: its aws value .* switch-config step/);
    await sw.switchTo('aws', { awsValues: { API: 'https://from-step' } });
    expect(read('.env')).toBe('API=https://from-step\n');
    await sw.switchTo('local');
    expect(read('.env')).toBe(`API=${LOCAL}\n`);
    await sw.switchTo('aws'); // remembered
    expect(read('.env')).toBe('API=https://from-step\n');
  });

  test('edits: quoting kept, missing keys added, YAML plain scalars quoted only when needed', () => {
    expect(setValues('A="x" # c\n', 'env', { A: 'y z' })).toBe('A="y z" # c\n');
    expect(setValues('A=1', 'env', { B: '2' })).toBe('A=1\nB=2\n');
    expect(setValues('a: x # c\n', 'yaml', { a: 'has: colon' })).toBe('a: "has: colon" # c\n');
    expect(setValues('a: x\n', 'yaml', { a: 'true' })).toBe('a: "true"\n');
    expect(readValue('{"a":{"b":"c"}}', 'json', 'a.b')).toBe('c');
    expect(setValues('{\n\t"a": 1\n}\n', 'json', { b: 'x' })).toBe('{\n\t"a": 1,\n\t"b": "x"\n}\n');
  });
});
