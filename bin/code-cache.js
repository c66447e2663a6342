// Loads the built CLI (dist/cli.cjs) with a V8 code cache made after a command ran (issue 20).
//
// Node's compile cache keeps what V8 compiled before a module ran: the top level and little else, so every
// command compiled again each function it called. A cache made by `script.createCachedData()` once the command
// is done holds those functions too. One cache per command (status, run, validate… each calls other functions),
// per build and per copy of the CLI: V8 checks only the source's length, so the file's identity (size, mtime,
// inode) is in the name and a rebuild never meets an older cache. `watch`, which runs for hours, has none.
//
// A code cache is code: it lives only in a folder of the user's own that nobody else can write (owned by the
// user, not group- or world-writable, not a link), a cache file is read only on the same terms, or no cache is
// used at all. NODE_DISABLE_COMPILE_CACHE (Node's own switch) turns it off; OFFLOAD_CACHE_DIR moves it. A cache
// that cannot be read, made or written costs a slower start, nothing else.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/**
 * A short tag for a path (FNV-1a, 32 bits, hex): names one copy's caches. Not a secret or a check (the file's
 * identity is in the name too); node:crypto would cost ~10 ms of every start to load.
 */
function pathTag(p) {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * The module wrapper the build puts around the CLI file (its first and last line): run by Node's loader (`watch`,
 * a `require`), the file calls the function it wraps at once with the loader's `exports`, `require`, `module`…;
 * compiled here as a script, its value is that function. Node's `Module.wrap(source)` would make a new string of the
 * whole source, which V8 then copies once more to compile it: ~4 ms of each start for the CLI's 670 KB (issue 20).
 */
const SELF_WRAPPER = [
  // Node's loader runs a module with `this` its exports; a script's `this` is the global object (whatever
  // globals the host has: `node -e` and the REPL define `module` and `require` too)
  '(function (f) { return this === globalThis ? f : f.call(this, exports, require, module, __filename, __dirname); })' +
    '.call(this, function (exports, require, module, __filename, __dirname) {',
  '\n});',
];

/** Commands that run until stopped: no code cache (see loadWithCodeCache). */
const LONG_RUNNING = new Set(['watch']);

/** The per-user cache folder: OFFLOAD_CACHE_DIR, else the platform's (XDG, Library/Caches, LOCALAPPDATA). */
function cacheDir(env = process.env, platform = process.platform, home = require('node:os').homedir()) {
  if (env.OFFLOAD_CACHE_DIR) return path.resolve(env.OFFLOAD_CACHE_DIR);
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'offload', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'offload');
  return path.join(
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : path.join(home, '.cache'),
    'offload',
  );
}

/**
 * Makes `dir` and the folders missing above it (0700), each once: Node's `mkdirSync(…, { recursive: true })`
 * spins for ever below /proc (`OFFLOAD_CACHE_DIR=/proc/x`), where mkdir answers ENOENT under a folder that
 * exists. Throws mkdir's error. (main/core/platform/make-dirs.ts is the CLI's own; this one runs before it loads.)
 */
function makeDirs(dir) {
  const missing = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}

/**
 * `dir` made if missing; undefined unless it is a folder of this user's that no one else can write. A folder
 * others could write is not made private here: what they put there while it was open would then be trusted,
 * and the folder may be a shared one the user named (OFFLOAD_CACHE_DIR=/tmp).
 */
function privateDir(dir) {
  try {
    makeDirs(dir);
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) return undefined;
    if (process.platform === 'win32') return dir; // %LOCALAPPDATA% is the user's own
    if (st.uid !== process.getuid() || st.mode & 0o022) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The command an argument list names: its first word that is not an option or a global option's value (the
 * word after `--`); undefined where none is named. The one reading of it: the CLI is told it (main's `named`)
 * and defines only that command.
 */
function commandNamed(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    if (a === '-c' || a === '--config' || a === '--data-dir') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The name a command's cache file carries: the command, `none`, or `other` for a name no command has. */
function commandOf(args) {
  const named = commandNamed(args);
  if (named === undefined) return 'none';
  return /^[a-z][a-z-]{0,23}$/.test(named) ? named : 'other';
}

/** The cache file's bytes when it is a regular file of sane size; undefined otherwise. */
function readCache(file) {
  let fd;
  try {
    // without blocking (a FIFO there would wait for a writer) or following a link
    const { O_RDONLY, O_NOFOLLOW = 0, O_NONBLOCK = 0 } = fs.constants;
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size === 0 || st.size > 64 * 1024 * 1024) return undefined;
    // written by this user and by no one else (a file left by another user is code they chose)
    if (process.platform !== 'win32' && (st.uid !== process.getuid() || st.mode & 0o022)) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Compiles and runs the CommonJS file `file` (the CLI) with its code cache for `args`' command, and returns its
 * exports, `state` (the cache was 'accepted', 'rejected' or there was 'none') and `save()`, which writes the
 * cache once the command is done if there was none or V8 refused it.
 */
function loadWithCodeCache(file, args, env = process.env) {
  const dir = env.NODE_DISABLE_COMPILE_CACHE ? undefined : privateDir(cacheDir(env));
  // Packages the CLI requires on first use (the AWS SDK…) use Node's compile cache, in the same private folder:
  // Node's default, a shared folder in the temp directory, is not used.
  const nodeCache = env.NODE_COMPILE_CACHE || (dir && privateDir(path.join(dir, 'node')));
  try {
    if (nodeCache) Module.enableCompileCache?.(nodeCache);
  } catch {
    // no compile cache: a slower first use of those packages, nothing else
  }
  const command = commandOf(args);
  // One open (a missing build fails here, for every command): the source and the identity its cache is named by
  // are the same file's.
  const fd = fs.openSync(file, 'r');
  let source, st;
  try {
    // `watch` runs for hours: Node's own loader (and its compile cache) keeps ~1.5 MB less than a script
    // compiled here, and its start-up matters less than its memory
    if (LONG_RUNNING.has(command))
      return { exports: require(file), save: () => undefined, state: 'none', named: commandNamed(args) };
    st = fs.fstatSync(fd, { bigint: true });
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const id = [process.version, process.arch, st.size, st.mtimeNs, st.ino].map(String).join('-');
  // per copy of the CLI too (a global install and a checkout): each replaces only its own earlier builds' caches,
  // never the other's, which would have them make a new cache at every run
  const where = pathTag(path.resolve(file));
  const prefix = `${path.basename(file)}-${command}-${where}-`;
  const cacheFile = dir && path.join(dir, `${prefix}${id}.v8`);
  // caches named before the copy was in the name (the Node version came next): no copy reads them again
  const unnamed = `${path.basename(file)}-${command}-v`;
  // The file is in its own module wrapper (SELF_WRAPPER): its value as a script is the function Node's loader
  // would have made, without a copy of the source (Module.wrap) for V8 to copy again.
  const script = new vm.Script(source, {
    filename: file,
    cachedData: cacheFile && readCache(cacheFile),
  });
  // the cache's bytes are not kept: only whether there was one V8 took
  const state =
    script.cachedDataRejected === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  const mod = { exports: {} };
  const wrapper = script.runInThisContext();
  if (typeof wrapper !== 'function')
    throw new Error(`${file} is not in its module wrapper: run \`npm run build\``);
  wrapper(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  const save = () => {
    if (!cacheFile || state === 'accepted') return;
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      fs.renameSync(tmp, cacheFile);
      // this command's caches from earlier builds (or Node versions) are never read again
      for (const f of fs.readdirSync(dir))
        if ((f.startsWith(prefix) || f.startsWith(unnamed)) && f !== path.basename(cacheFile))
          fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // no cache this time: the next command makes one
    }
  };
  return { exports: mod.exports, save, state, named: commandNamed(args) };
}

module.exports = { cacheDir, commandNamed, commandOf, loadWithCodeCache, privateDir, SELF_WRAPPER };
