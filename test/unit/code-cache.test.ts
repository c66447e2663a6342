/**
 * The CLI's V8 code cache (bin/code-cache.js, issue 20): made after a command ran, read by the next run of the
 * same command and build, never from a folder another user could write, and never for a rebuilt file whose
 * length stayed the same (V8 itself checks only the length). Real files, real V8 caches, the real CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli';

interface CodeCache {
  cacheDir(env: NodeJS.ProcessEnv, platform?: NodeJS.Platform, home?: string): string;
  commandOf(args: string[]): string;
  commandNamed(args: string[]): string | undefined;
  privateDir(dir: string): string | undefined;
  SELF_WRAPPER: [string, string];
}
const CODE_CACHE = path.join(path.dirname(CLI), 'code-cache.js');
const { cacheDir, commandNamed, commandOf, privateDir, SELF_WRAPPER } = createRequire(import.meta.url)(
  CODE_CACHE,
) as CodeCache;

/**
 * Loads `file` with its cache in a process of its own (one V8 keeps compiled scripts in memory, so a second
 * load in the same process would never read the file), then saves: what the CLI does at each command.
 */
function loadWithCodeCache(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const script = `const r = require(${JSON.stringify(CODE_CACHE)}).loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(args)}, process.env);
process.stdout.write(JSON.stringify({ state: r.state, value: r.exports.value() })); if (!process.env.NO_SAVE) r.save();`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return JSON.parse(out) as { state: 'none' | 'accepted' | 'rejected'; value: string };
}

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});
const temp = () => {
  const t = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-code-cache-'));
  temps.push(t);
  return t;
};
/**
 * A CommonJS file, in its own module wrapper as the build writes the CLI, whose value() returns `word` (same
 * length for words of the same length).
 */
const module = (dir: string, word: string) => {
  const file = path.join(dir, 'cli.cjs');
  fs.writeFileSync(
    file,
    `${SELF_WRAPPER[0]}\nexports.value = function value() { return ${JSON.stringify(word)}; };${SELF_WRAPPER[1]}\n`,
  );
  return file;
};
/** A fresh folder with the cache folder `dir` (OFFLOAD_CACHE_DIR in `env`) and, given a word, a module `file`. */
const cacheSetup = (word?: string) => {
  const root = temp();
  const dir = path.join(root, 'cache');
  return { root, dir, env: { OFFLOAD_CACHE_DIR: dir }, file: word ? module(root, word) : '' };
};
const cacheFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.v8'));
const posix = process.platform !== 'win32';

describe('bin/code-cache.js', () => {
  it('the first run makes the cache (0600 in a 0700 folder), the next run of that command reads it', () => {
    const { dir, env, file } = cacheSetup('first');
    const one = loadWithCodeCache(file, ['status'], env);
    expect(one.state).toBe('none');
    expect(one.value).toBe('first');
    const [made] = cacheFiles(dir);
    expect(made).toMatch(/^cli\.cjs-status-/);
    if (posix) {
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dir, made!)).mode & 0o777).toBe(0o600);
    }
    const mtime = fs.statSync(path.join(dir, made!)).mtimeMs;
    const two = loadWithCodeCache(file, ['status'], env);
    expect(two.state).toBe('accepted'); // and, accepted, not written again:
    expect(fs.statSync(path.join(dir, made!)).mtimeMs).toBe(mtime);
    // another command has a cache of its own
    loadWithCodeCache(file, ['--data-dir', 'x', 'run', 'local'], env);
    expect(
      cacheFiles(dir)
        .map((f) => f.split('-')[1])
        .sort(),
    ).toEqual(['run', 'status']);
  });

  it('a rebuilt file of the same length never runs the old cache: a new one replaces it', () => {
    const { dir, env, file } = cacheSetup('before');
    loadWithCodeCache(file, ['status'], env);
    const [old] = cacheFiles(dir);
    // same length, other code (and a later mtime, as a build gives)
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('before', 'after!'));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const again = loadWithCodeCache(file, ['status'], env);
    expect(again.state).toBe('none');
    expect(again.value).toBe('after!');
    expect(cacheFiles(dir)).toHaveLength(1);
    expect(cacheFiles(dir)[0]).not.toBe(old);
  });

  it('two copies of the CLI sharing one cache folder each keep their own cache', () => {
    const { root, dir, env } = cacheSetup();
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    const a = module(path.join(root, 'a'), 'build a');
    const b = module(path.join(root, 'b'), 'build bb');
    loadWithCodeCache(a, ['status'], env);
    loadWithCodeCache(b, ['status'], env);
    for (let i = 0; i < 2; i++) {
      expect(loadWithCodeCache(a, ['status'], env)).toEqual({ state: 'accepted', value: 'build a' });
      expect(loadWithCodeCache(b, ['status'], env)).toEqual({ state: 'accepted', value: 'build bb' });
    }
    expect(cacheFiles(dir)).toHaveLength(2);
    // a cache named before the copy was in its name is removed by the next cache made for that command
    const unnamed = path.join(dir, 'cli.cjs-status-v24.0.0-x64-1-2-3.v8');
    fs.writeFileSync(unnamed, 'old', { mode: 0o600 });
    fs.utimesSync(b, new Date(), new Date(Date.now() + 5000));
    loadWithCodeCache(b, ['status'], env);
    expect(fs.existsSync(unnamed)).toBe(false);
    expect(cacheFiles(dir)).toHaveLength(2);
  });

  it('a damaged cache is refused by V8 and written again; a FIFO in its place is skipped at once', () => {
    const { dir, env, file } = cacheSetup('value');
    loadWithCodeCache(file, ['status'], env);
    const cached = path.join(dir, cacheFiles(dir)[0]!);
    fs.writeFileSync(cached, 'not a code cache at all');
    const damaged = loadWithCodeCache(file, ['status'], env);
    expect(damaged.state).toBe('rejected');
    expect(damaged.value).toBe('value');
    expect(loadWithCodeCache(file, ['status'], env).state).toBe('accepted');
    if (!posix) return;
    fs.rmSync(cached);
    execFileSync('mkfifo', [cached]);
    const started = Date.now();
    expect(loadWithCodeCache(file, ['status'], { ...env, NO_SAVE: '1' }).state).toBe('none');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.skipIf(!posix)(
    'never uses a folder that is a link, nor one others can write (and leaves it as it was)',
    () => {
      const root = temp();
      const elsewhere = path.join(root, 'elsewhere');
      fs.mkdirSync(elsewhere);
      fs.symlinkSync(elsewhere, path.join(root, 'link'));
      expect(privateDir(path.join(root, 'link'))).toBeUndefined();
      const file = module(root, 'value');
      loadWithCodeCache(file, ['status'], { OFFLOAD_CACHE_DIR: path.join(root, 'link') });
      expect(fs.readdirSync(elsewhere)).toEqual([]);
      const open = path.join(root, 'open');
      fs.mkdirSync(open, { mode: 0o777 });
      fs.chmodSync(open, 0o1777);
      expect(privateDir(open)).toBeUndefined();
      expect(fs.statSync(open).mode & 0o7777).toBe(0o1777);
      loadWithCodeCache(file, ['status'], { OFFLOAD_CACHE_DIR: open });
      expect(fs.readdirSync(open)).toEqual([]);
    },
  );

  it.skipIf(!posix)('never reads a cache file another user owns or others can write', () => {
    const { dir, file } = cacheSetup('value');
    const env = { OFFLOAD_CACHE_DIR: dir, NO_SAVE: '1' };
    loadWithCodeCache(file, ['status'], { OFFLOAD_CACHE_DIR: dir });
    const cached = path.join(dir, cacheFiles(dir)[0]!);
    expect(loadWithCodeCache(file, ['status'], env).state).toBe('accepted');
    fs.chmodSync(cached, 0o666);
    expect(loadWithCodeCache(file, ['status'], env).state).toBe('none');
    if (process.getuid?.() !== 0) return;
    fs.chmodSync(cached, 0o600);
    fs.chownSync(cached, 65534, 65534); // nobody: as if planted while the folder was open
    expect(loadWithCodeCache(file, ['status'], env).state).toBe('none');
  });

  it('NODE_DISABLE_COMPILE_CACHE (Node’s own switch) writes and reads no cache', () => {
    const { dir, file } = cacheSetup('value');
    const env = { OFFLOAD_CACHE_DIR: dir, NODE_DISABLE_COMPILE_CACHE: '1' };
    expect(loadWithCodeCache(file, ['status'], env)).toEqual({ state: 'none', value: 'value' });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it.runIf(fs.existsSync('/proc/self'))(
    'a cache folder that cannot be made (below /proc, where Node’s recursive mkdir spins) is no cache, at once',
    () => {
      const { file } = cacheSetup('value');
      const env = { OFFLOAD_CACHE_DIR: '/proc/offload-nope/cache' };
      // in a child, under execFileSync's limit: a spin fails the test, never hangs it
      expect(loadWithCodeCache(file, ['status'], env)).toEqual({ state: 'none', value: 'value' });
    },
  );

  it('`watch` (running for hours) has no code cache: its memory matters more than its start', () => {
    const { dir, file } = cacheSetup('value');
    for (let i = 0; i < 2; i++)
      expect(loadWithCodeCache(file, ['watch'], { OFFLOAD_CACHE_DIR: dir })).toEqual({
        state: 'none',
        value: 'value',
      });
    expect(fs.existsSync(dir) ? cacheFiles(dir) : []).toEqual([]);
  });

  it('the built CLI is in its own module wrapper: the same exports required by Node and compiled as a script', () => {
    const file = path.join(path.dirname(CLI), '..', 'dist', 'cli.cjs');
    const source = fs.readFileSync(file, 'utf8');
    expect(source.startsWith(SELF_WRAPPER[0])).toBe(true);
    const script = `const vm = require('node:vm'); const m = { exports: {} };
const f = new vm.Script(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8')).runInThisContext();
f(m.exports, require, m, ${JSON.stringify(file)}, ${JSON.stringify(path.dirname(file))});
const r = require(${JSON.stringify(file)});
process.stdout.write(JSON.stringify([typeof f, Object.keys(m.exports).sort(), Object.keys(r).sort()]));`;
    const [kind, asScript, required] = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }),
    ) as [string, string[], string[]];
    expect(kind).toBe('function');
    expect(asScript).toContain('main');
    expect(required).toEqual(asScript);
  });

  it('names the command an argument list runs, and the platform’s cache folder', () => {
    expect(commandOf(['status'])).toBe('status');
    expect(commandOf(['-c', 'x.yml', '--data-dir', 'd', 'run', 'full'])).toBe('run');
    expect(commandOf(['--no-color', 'aws', 'status'])).toBe('aws');
    expect(commandOf(['--help'])).toBe('none');
    expect(commandOf(['../../etc'])).toBe('other');
    expect(commandOf(['--', 'status'])).toBe('status');
    // the name itself, as the CLI is told it (it defines only that command)
    expect(commandNamed(['--data-dir', 'd', 'statsu', 'x'])).toBe('statsu');
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(cacheDir({}, 'linux', '/home/u')).toBe(path.join('/home/u', '.cache', 'offload'));
    expect(cacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u')).toBe(path.join('/x', 'offload'));
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u')).toBe(
      path.join('/home/u', '.cache', 'offload'),
    );
    expect(cacheDir({}, 'darwin', '/Users/u')).toBe(path.join('/Users/u', 'Library', 'Caches', 'offload'));
    expect(cacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe(
      path.join('C:\\Users\\u\\AppData\\Local', 'offload', 'Cache'),
    );
  });

  it('the real CLI: no cache from a run that parsed offload.yml and kept its model (the next loads that model); the usual run loads no YAML parser', async () => {
    const dir = path.join(temp(), 'cache');
    const [project, data, hook] = [temp(), temp(), temp()];
    fs.writeFileSync(
      path.join(project, 'offload.yml'),
      'name: kept\nphases:\n  local:\n    steps:\n      - run: "true"\n',
    );
    // the modules a run loaded, written as it exits
    const loaded = path.join(hook, 'loaded.json');
    fs.writeFileSync(
      path.join(hook, 'hook.cjs'),
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2100)); // past the kept config's racy window
    const status = () => {
      const r = spawnSync(
        process.execPath,
        ['-r', path.join(hook, 'hook.cjs'), CLI, 'status', '--data-dir', data, '--no-color'],
        {
          cwd: project,
          encoding: 'utf8',
          env: { ...process.env, OFFLOAD_CACHE_DIR: dir, NODE_COMPILE_CACHE: '' },
        },
      );
      expect(r.status).toBe(0);
      return { ...r, loaded: JSON.parse(fs.readFileSync(loaded, 'utf8')) as string[] };
    };
    const first = status(); // parses offload.yml (with the YAML part) and keeps its model
    expect(first.loaded.some((f) => f.endsWith(`${path.sep}yaml.cjs`))).toBe(true);
    expect(cacheFiles(dir)).toEqual([]);
    const second = status(); // loads the kept model: the usual path, whose cache is made now
    expect(second.loaded.some((f) => f.endsWith(`${path.sep}yaml.cjs`))).toBe(false);
    expect(cacheFiles(dir).map((f) => f.split('-')[1])).toEqual(['status']);
    const third = status();
    // the same answer (up to the machine's load and memory now, which move between two runs)
    const upToMachine = (out: string) => out.slice(0, out.search(/^.*machine: RAM/m));
    expect(upToMachine(third.stdout)).toMatch(/^kept /);
    expect(upToMachine(third.stdout)).toBe(upToMachine(second.stdout));
    expect(third.loaded.some((f) => f.endsWith(`${path.sep}yaml.cjs`))).toBe(false);
    // nor any part of the CLI (scripts/cli-parts.mjs): status runs from the main file alone
    expect(third.loaded.filter((f) => /cli-part-[\w-]+\.cjs$/.test(f))).toEqual([]);
  });

  it('the real CLI: the same answer with and without its cache, and the cache kept private', () => {
    const dir = path.join(temp(), 'cache');
    const project = temp();
    fs.writeFileSync(
      path.join(project, 'offload.yml'),
      'name: cached\nphases:\n  local:\n    steps:\n      - run: "true"\n',
    );
    const run = () =>
      spawnSync(process.execPath, [CLI, 'validate', '--no-color'], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, OFFLOAD_CACHE_DIR: dir, NODE_COMPILE_CACHE: '' },
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(cacheFiles(dir).map((f) => f.split('-')[1])).toEqual(['validate']);
    const second = run();
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe(first.stderr);
    // Node's compile cache for the packages the CLI requires sits in the same private folder
    expect(fs.existsSync(path.join(dir, 'node'))).toBe(true);
    // a mistyped command (a usage error, exit 2) leaves no cache of its own
    const typo = spawnSync(process.execPath, [CLI, 'frobnicate'], {
      cwd: project,
      env: { ...process.env, OFFLOAD_CACHE_DIR: dir, NODE_COMPILE_CACHE: '' },
    });
    expect(typo.status).toBe(2);
    expect(cacheFiles(dir).map((f) => f.split('-')[1])).toEqual(['validate']);
  });
});
