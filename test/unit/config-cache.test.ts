/**
 * offload.yml's model kept in the data folder (issue 20: every command loads the config): an unchanged file
 * is not parsed again, and every change must still show. Real files, the real full load; each kept result is
 * compared with a fresh load of the same file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../main/core/config';
import { loadConfigKept } from '../../main/core/config/config-cache';
import { ConfigError, type OffloadConfig } from '../../main/core/config/types';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { trustDigest } from '../../main/core/trust';

afterEach(() => vi.restoreAllMocks());

const CONFIG = `name: kept
env:
  MODE: dev
switch:
  files:
    - path: .env
      keys:
        URL:
          aws: http://aws.example
          local: http://127.0.0.1:11434
models:
  matchers:
    - name: my-server
      cmdline: my-server
phases:
  local:
    steps:
      - run: echo one
        timeout: 1m
`;

function project(text = CONFIG) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-kept-'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-kept-data-'));
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, text);
  let loads = 0;
  const full = () => loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
  const load = (build = 'build-1') =>
    loadConfigKept(
      file,
      data,
      () => {
        loads++;
        return full();
      },
      { build, stepKinds: STEP_KINDS },
    );
  return { dir, data, file, load, full, loads: () => loads };
}

/** The same config with a deploy step whose template is stack.json in the project folder. */
const WITH_TEMPLATE =
  CONFIG +
  '  aws-deploy:\n    steps:\n      - cloudformation-deploy:\n          stack: api\n          template: stack.json\n' +
  '  aws-test:\n    steps:\n      - run: "true"\n';

/** What `run` threw (undefined when it returned). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Files written now count as old enough to keep (the racy window is 2 s). */
const later = () => {
  const now = Date.now();
  vi.spyOn(Date, 'now').mockReturnValue(now + 10_000);
};

describe('the kept config', () => {
  it('an unchanged file is not loaded again, and the kept model is the fresh one, trust digest included', () => {
    const p = project();
    later();
    p.load();
    const kept = p.load();
    expect(p.loads()).toBe(1);
    const fresh = p.full();
    expect(JSON.parse(JSON.stringify(kept))).toEqual(JSON.parse(JSON.stringify(fresh)));
    expect(kept.models.matchers.map((m) => m.name)).toContain('my-server');
    expect(trustDigest(kept)).toBe(trustDigest(fresh));
    expect(fs.statSync(path.join(p.data, 'config-cache.json')).mode & 0o777).toBe(0o600);
  });

  it('an edit that keeps the size and puts the mtime back is seen (ctime)', async () => {
    const p = project();
    later();
    p.load();
    const st = fs.statSync(p.file);
    await new Promise((r) => setTimeout(r, 20)); // past the file system's timestamp granularity
    fs.writeFileSync(p.file, CONFIG.replace('echo one', 'echo two'));
    fs.utimesSync(p.file, st.atime, st.mtime);
    expect(fs.statSync(p.file).size).toBe(st.size);
    const after = p.load();
    expect(p.loads()).toBe(2);
    expect(after.phases.local.steps[0]!.spec).toBe('echo two');
  });

  it('a file changed within the racy window is loaded in full every time', () => {
    const p = project();
    p.load();
    p.load();
    expect(p.loads()).toBe(2);
    expect(fs.existsSync(path.join(p.data, 'config-cache.json'))).toBe(false);
  });

  it('another build, or none (run from source), does not use what one build kept', () => {
    const p = project();
    later();
    p.load('build-1');
    p.load('build-2');
    expect(p.loads()).toBe(2);
    loadConfigKept(p.file, p.data, p.full, { build: undefined, stepKinds: STEP_KINDS });
    expect(p.loads()).toBe(2); // without a build the full load runs, not through the kept entry
    p.load('build-2');
    expect(p.loads()).toBe(2);
  });

  it('a switch file turned into a link out of the project after keeping is refused at its line', () => {
    const p = project();
    later();
    p.load();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-kept-outside-'));
    fs.writeFileSync(path.join(outside, 'rc'), 'x=1\n');
    fs.symlinkSync(path.join(outside, 'rc'), path.join(p.dir, '.env'));
    const err = thrown(p.load);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ line: 6, path: 'switch.files[0].path' });
    expect(p.loads()).toBe(2);
  });

  it('a template turned into a link out of the project after keeping is refused at its line', () => {
    const p = project(WITH_TEMPLATE);
    fs.writeFileSync(path.join(p.dir, 'stack.json'), '{"Resources": {}}');
    later();
    p.load();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-kept-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.json'), '{}');
    fs.rmSync(path.join(p.dir, 'stack.json'));
    fs.symlinkSync(path.join(outside, 'secret.json'), path.join(p.dir, 'stack.json'));
    expect(() => p.load()).toThrow(/stack\.json resolves to .*outside the project folder/);
    expect(p.loads()).toBe(2);
  });

  it('a template that no longer parses after keeping is reported at its line, as the full load does', () => {
    const p = project(WITH_TEMPLATE);
    fs.writeFileSync(path.join(p.dir, 'stack.json'), '{"Resources": {}}');
    later();
    p.load();
    p.load();
    expect(p.loads()).toBe(1);
    fs.writeFileSync(path.join(p.dir, 'stack.json'), '{"Resources": [');
    const err = thrown(p.load);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({
      line: 23,
      message: expect.stringMatching(/template stack\.json:.*JSON/),
    });
    // the template fixed: the kept model serves again
    fs.writeFileSync(path.join(p.dir, 'stack.json'), '{"Resources": {}}');
    p.load();
    expect(p.loads()).toBe(2);
  });

  it('an unreadable or foreign cache file is ignored and replaced', () => {
    const p = project();
    later();
    const cache = path.join(p.data, 'config-cache.json');
    fs.writeFileSync(
      cache,
      '{"' + p.file + '": {"build": "build-1", "identity": "x", "at": 1, "config": 7}}',
    );
    expect(p.load().name).toBe('kept');
    fs.writeFileSync(cache, 'not json');
    expect(p.load().name).toBe('kept');
    expect(p.loads()).toBe(2);
    expect(p.load().name).toBe('kept');
    expect(p.loads()).toBe(2);
  });

  it("a cache file others may write, or another user's, is not read: its model would run with its trust digest", () => {
    const p = project();
    later();
    p.load();
    const cache = path.join(p.data, 'config-cache.json');
    // An entry whose model runs another command than offload.yml, keeping the trusted digest.
    const entries = JSON.parse(fs.readFileSync(cache, 'utf8')) as Record<string, { config: OffloadConfig }>;
    entries[p.file]!.config.phases.local.steps[0]!.spec = 'echo unreviewed';
    fs.writeFileSync(cache, JSON.stringify(entries));
    const tampered = () => {
      fs.writeFileSync(cache, JSON.stringify(entries));
      return p.load().phases.local.steps[0]!.spec;
    };
    for (const mode of [0o620, 0o602, 0o666]) {
      fs.chmodSync(cache, mode);
      expect(tampered()).toBe('echo one');
    }
    // written again by this user, private: used (the data folder is the user's own)
    expect(fs.statSync(cache).mode & 0o777).toBe(0o600);
    expect(p.load().phases.local.steps[0]!.spec).toBe('echo one');
    // a link to a file of the user's is not followed
    const elsewhere = path.join(p.dir, 'cache-copy.json');
    fs.writeFileSync(elsewhere, JSON.stringify(entries), { mode: 0o600 });
    fs.rmSync(cache);
    fs.symlinkSync(elsewhere, cache);
    expect(p.load().phases.local.steps[0]!.spec).toBe('echo one');
    if (process.getuid?.() === 0) {
      // another user's file (root can make one): not read, whatever its mode
      fs.writeFileSync(cache, JSON.stringify(entries), { mode: 0o600 });
      fs.chownSync(cache, 65534, 65534);
      expect(p.load().phases.local.steps[0]!.spec).toBe('echo one');
    }
  });

  it('a kept step whose kind may not be in its phase (kept by rules that allowed it) is not used: the file is loaded', () => {
    const p = project();
    later();
    p.load();
    // The entry as a build that let any kind into any phase kept it: stop-local-models in local.
    const cache = path.join(p.data, 'config-cache.json');
    const entries = JSON.parse(fs.readFileSync(cache, 'utf8')) as Record<string, { config: OffloadConfig }>;
    const step = entries[p.file]!.config.phases.local.steps[0]!;
    Object.assign(step, { kind: 'stop-local-models', spec: true });
    fs.writeFileSync(cache, JSON.stringify(entries));
    const loaded = p.load();
    expect(p.loads()).toBe(2);
    expect(loaded.phases.local.steps.map((st) => st.kind)).toEqual(['run']);
  });

  it('an invalid config is never kept', () => {
    const p = project(CONFIG.replace('timeout: 1m', 'timeout: soon'));
    later();
    expect(() => p.load()).toThrow(ConfigError);
    expect(() => p.load()).toThrow(ConfigError);
    expect(p.loads()).toBe(2);
  });
});
