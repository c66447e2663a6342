// Builds every target with esbuild: the CLI and the Electron main process (Node, CommonJS),
// the preload (one sandboxed CommonJS file) and the renderer (browser IIFE + static files).
//   --outdir DIR  build into DIR instead of dist/ (tests build a private copy)
//   --app         only the app's targets (main, preload, renderer): no CLI, no precompiled validator
import { build } from 'esbuild';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { buildCli, LOADER } from './cli-parts.mjs';
import path from 'node:path';

const argv = process.argv.slice(2);
const outIndex = argv.indexOf('--outdir');
const out = outIndex >= 0 ? argv[outIndex + 1] : 'dist';
const appOnly = argv.includes('--app');
// Each build has its own identity: caches tied to what the code decides (the kept config) hold for one build only.
const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  target: 'node20',
  define: { __OFFLOAD_BUILD__: JSON.stringify(randomBytes(8).toString('hex')) },
};

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// re2js and jsonc-parser are not inlined: each is required where first used (main/core/units/regex.ts,
// main/core/switch/edit.ts).
// yaml is handled by the lazy-part plugin (LAZY_PARTS), commander and @noble/hashes (a few KB every command
// hashes with: main/core/platform/digest.ts) are bundled: none is external.
const inlined = new Set(['yaml', 'commander', '@noble/hashes']);
const externalBut = (bundled) =>
  Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => !bundled.has(name))
    .flatMap((name) => [name, `${name}/*`]);
const cliExternal = externalBut(inlined);

// Node built-ins that a bare `node` has not loaded yet (child_process alone pulls in net, stream, dgram…): in the
// CLI each is an object of getters that loads the real module on first use, so `offload --version` and
// `offload status` pay only for the ones they touch (esbuild reads imported names at use time: `m.name`).
const LAZY_BUILTINS = [
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'http',
  'https',
  'net',
  'os',
  'readline',
  'readline/promises',
  'stream',
  'stream/promises',
  'tls',
  'worker_threads',
  'zlib',
  'perf_hooks',
  'v8',
];
// The two every module imports (fs, path; already loaded by Node itself) become one ES module each with the
// built-in as default and its functions as named exports: esbuild then binds imports to it directly instead of
// copying the whole module's properties (__toESM) at each of ~90 import sites.
const EAGER_BUILTINS = ['fs', 'path'];
/** A built-in's exports that can be named (identifiers), with their property descriptors. */
const builtinProps = (name) =>
  Object.entries(Object.getOwnPropertyDescriptors(createRequire(import.meta.url)(`node:${name}`))).filter(
    ([n]) => /^[A-Za-z_$][\w$]*$/.test(n),
  );
/**
 * Packages the CLI inlines but few commands use, each built as a part of its own (dist/NAME.cjs) that the CLI
 * requires on the first call into it: yaml is needed only when an offload.yml is parsed (not when its model is
 * kept, config-cache.ts), a template rendered or a manifest read, and its 149 KB in dist/cli.cjs cost every
 * command ~5 ms to read, compile and run (issue 20).
 */
const LAZY_PARTS = { yaml: { file: 'yaml.cjs', entry: './node_modules/yaml/browser/index.js' } };
/**
 * The module standing for a lazy part: the default export (standIn) and each named export load the part when
 * used. A function is called through; a class (a capitalised function: `new`, `instanceof`, its statics) and a
 * namespace object are proxies of the part's own, made only where imported.
 */
function lazyPartModule(name, file) {
  const props = Object.entries(createRequire(import.meta.url)(name)).filter(
    ([n]) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n),
  );
  const named = props.map(([n, v]) =>
    typeof v === 'function' && /^[a-z]/.test(n)
      ? `export function ${n}(...a) { return load().${n}(...a); }\n` +
        // a function's own properties (visit.BREAK…) are read through to the part's
        Object.keys(v)
          .map(
            (k) =>
              `Object.defineProperty(${n}, ${JSON.stringify(k)}, { get: () => load().${n}[${JSON.stringify(k)}] });\n`,
          )
          .join('')
      : `export const ${n} = /* @__PURE__ */ new Proxy(${typeof v === 'function' ? 'function () {}' : '{}'}, {\n` +
        `  construct: (_, a, nt) => Reflect.construct(load().${n}, a, nt === ${n} ? load().${n} : nt),\n` +
        `  apply: (_, t, a) => Reflect.apply(load().${n}, t, a),\n` +
        `  get: (_, p) => Reflect.get(load().${n}, p),\n` +
        `  has: (_, p) => Reflect.has(load().${n}, p),\n` +
        `  getPrototypeOf: () => Reflect.getPrototypeOf(load().${n}),\n` +
        `});\n`,
  );
  return (
    `import { damaged, file } from '${LOADER}';\n` +
    `let m;\n` +
    // a build missing its part (an interrupted `npm run build`) or holding a damaged one says so in one line, as
    // the CLI's parts do (scripts/cli-parts.mjs), instead of a 'Cannot find module' or a syntax error from it
    `const load = () => (m ??= (() => {\n` +
    `  const part = file('${file}', () => require('./${file}'));\n` +
    `  if (!part || ${JSON.stringify(props.map(([n]) => n))}.some((n) => !(n in part)))\n` +
    `    throw damaged('${file}', ' lacks what it exports');\n` +
    `  return part;\n` +
    `})());\n` +
    `export default ${standIn}\n` +
    named.join('')
  );
}

/**
 * The default export standing for a module loaded on first use (`load()`): a property read, `in`, its keys and
 * their descriptors load it. One object, where an object of a getter per export made a function for each of a
 * module's ~100 exports at every start, used or not (issue 20).
 */
const standIn =
  'new Proxy({}, {\n' +
  '  get: (_, p) => load()[p],\n' +
  '  has: (_, p) => p in load(),\n' +
  '  ownKeys: () => Reflect.ownKeys(load()),\n' +
  '  getOwnPropertyDescriptor: (_, p) => {\n' +
  '    const d = Reflect.getOwnPropertyDescriptor(load(), p);\n' +
  '    return d && { ...d, configurable: true };\n' +
  '  },\n' +
  '});';

const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    const pattern = (names) => new RegExp(`^(node:)?(${names.join('|').replace(/\//g, '\\/')})$`);
    const own = new Set(['lazy-builtin', 'eager-builtin']);
    for (const [names, namespace] of [
      [LAZY_BUILTINS, 'lazy-builtin'],
      [EAGER_BUILTINS, 'eager-builtin'],
    ])
      b.onResolve({ filter: pattern(names) }, (args) =>
        own.has(args.namespace) ? undefined : { path: args.path.replace(/^node:/, ''), namespace },
      );
    // An ES module (imports bind to it directly, no per-importer copy of ~70 getters): the default export (a
    // stand-in, standIn) loads the built-in when read; each function is also a named export that loads it when
    // called.
    // Classes and constants have no named export (use `mod.Name`): a build error says so.
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const props = builtinProps(args.path).filter(([n]) => n !== 'default');
      const functions = props
        .filter(([n, d]) => typeof d.value === 'function' && /^[a-z]/.test(n))
        .map(([n]) => n);
      return {
        loader: 'js',
        contents:
          `let m;\nconst load = () => (m ??= require('node:${args.path}'));\n` +
          `export default ${standIn}\n` +
          functions.map((n) => `export function ${n}(...a) { return load().${n}(...a); }\n`).join(''),
      };
    });
    // The lazy parts (LAZY_PARTS: yaml): a module of stand-ins that requires dist/NAME.cjs on the first call.
    b.onResolve({ filter: new RegExp(`^(${Object.keys(LAZY_PARTS).join('|')})$`) }, (args) =>
      args.namespace === 'lazy-part' ? undefined : { path: args.path, namespace: 'lazy-part' },
    );
    // the part itself: a file beside dist/cli.cjs, required at run time
    b.onResolve({ filter: /^\.\/[\w-]+\.cjs$/, namespace: 'lazy-part' }, (args) => ({
      path: args.path,
      external: true,
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-part' }, (args) => ({
      loader: 'js',
      contents: lazyPartModule(args.path, LAZY_PARTS[args.path].file),
    }));
    b.onLoad({ filter: /.*/, namespace: 'eager-builtin' }, (args) => ({
      loader: 'js',
      contents:
        `const m = require('node:${args.path}');\nexport default m;\n` +
        // Accessors (fs.promises, fs.ReadStream…) load more when read, and a named export is read at load:
        // they stay reachable through the default export only. So do plain values other than `constants`:
        // fs.F_OK… are values on one Node and deprecation-warning getters on another (the build's Node decides).
        `export const { ${builtinProps(args.path)
          .filter(([n, d]) => !d.get && (typeof d.value === 'function' || n === 'constants'))
          .map(([n]) => n)
          .join(', ')} } = m;\n`,
    }));
  },
};

// The CLI file's own module wrapper (banner and footer): bin/code-cache.js, which relies on it, defines it.
const [CLI_WRAPPER_OPEN, CLI_WRAPPER_CLOSE] = createRequire(import.meta.url)(
  '../bin/code-cache.js',
).SELF_WRAPPER;

/** The CLI options every file of it is built with (the main file adds its own wrapper). */
const cliOptions = {
  ...common,
  platform: 'node',
  // CommonJS: the main file is compiled by bin/offload.js with a V8 code cache made after a command ran
  // (bin/code-cache.js): what each command runs comes compiled from the cache, where Node's compile cache holds
  // only what V8 compiled before the code ran (issue 20).
  format: 'cjs',
  // Minified (whitespace, syntax and local names; the map beside it gives a stack trace's names back): less
  // source to read, decode and keep in memory (V8 holds a script's source for its lazily compiled functions),
  // and a smaller code cache: each command's start reads, decodes and deserializes both (issue 20). Nothing
  // reads a function's or class's name (errors set their own `name`).
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  external: cliExternal,
  plugins: [lazyModules],
};

/**
 * The CLI: the main file (dist/cli.cjs) with commander inlined, which every command loads, and a part for each
 * `import()` of Offload's own code (scripts/cli-parts.mjs); yaml is a lazy part (LAZY_PARTS), and everything
 * heavy (the AWS SDK, the Kubernetes client, Ajv…) stays external and is required on first use.
 */
function buildCliFiles() {
  return buildCli({
    out,
    entry: 'main/cli/index.ts',
    mainOptions: {
      ...cliOptions,
      outExtension: { '.js': '.cjs' },
      metafile: true,
      // The file is its own CommonJS wrapper: required (Node's loader, `watch`, the batch test runner) it runs
      // as a module; compiled as a script (bin/code-cache.js) its value is the wrapper function itself. Node's
      // `Module.wrap(source)` instead makes a new string of the whole source, which V8 then copies once more
      // to compile it: ~4 ms of each start here for 670 KB (issue 20).
      banner: { js: CLI_WRAPPER_OPEN },
      footer: { js: CLI_WRAPPER_CLOSE },
    },
    partOptions: cliOptions,
  });
}

// Earlier builds made the CLI as ES module chunks named by content hash (dist/cli*.mjs): removed, so dist/
// holds only this build's CLI.
if (!appOnly && existsSync(out))
  for (const f of readdirSync(out)) if (/^cli(-.*)?\.mjs(\.map)?$/.test(f)) rmSync(path.join(out, f));

const results = await Promise.allSettled([
  // The CLI inlines commander, which every command loads: one file to read and compile instead of module
  // lookups; yaml is a lazy part (LAZY_PARTS), and everything heavy (the AWS SDK, the Kubernetes client, Ajv…)
  // stays external and is required on first use.
  appOnly ? Promise.resolve() : buildCliFiles(),
  // The CLI's lazy parts, one file each. yaml from its ES build (the same code as its CommonJS one; only
  // `!!binary` gives a Uint8Array, not a Buffer): one module to load, where its CommonJS build is ~80.
  ...(appOnly
    ? []
    : Object.values(LAZY_PARTS).map(({ file, entry }) =>
        build({
          ...common,
          entryPoints: [entry],
          outfile: path.join(out, file),
          platform: 'node',
          format: 'cjs',
          minifyWhitespace: true,
          minifySyntax: true,
        }),
      )),
  build({
    ...common,
    entryPoints: { 'main/app/main': 'main/app/main.ts' },
    outdir: out,
    platform: 'node',
    format: 'cjs',
    // packages are required at run time, but @noble/hashes, an ES module only: bundled, as in the CLI
    external: [...externalBut(new Set(['@noble/hashes'])), 'electron'],
    // The tray runs all day: its source, held by V8 for lazy compiles, minified as the CLI's is (names kept).
    minifyWhitespace: true,
    minifySyntax: true,
  }),
  build({
    ...common,
    entryPoints: { 'preload/preload': 'preload/preload.ts' },
    outdir: out,
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: { 'renderer/renderer': 'renderer/index.ts' },
    outdir: out,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  }),
]);
// Build every target even if one fails, so one broken entry does not hide the others' errors.
const failed = results.filter((r) => r.status === 'rejected');
// --metafile FILE: esbuild's account of the CLI's chunks and their inputs (what each command loads: bench/).
const metaIndex = argv.indexOf('--metafile');
if (metaIndex >= 0 && results[0].value?.metafile)
  writeFileSync(argv[metaIndex + 1], JSON.stringify(results[0].value.metafile));
if (failed.length) process.exitCode = 1;
mkdirSync(path.join(out, 'renderer'), { recursive: true });
cpSync('renderer/index.html', path.join(out, 'renderer/index.html'));
cpSync('renderer/styles.css', path.join(out, 'renderer/styles.css'));
if (appOnly) process.exit();
// The offload.yml validator, compiled ahead of time with Ajv's standalone code: no schema compile (and no
// Ajv load) on each `offload` command. main/core/project.ts uses it when present, else compiles at run time.
const tmp = mkdtempSync(path.join('node_modules', '.offload-validator-'));
try {
  const entry = path.join(tmp, 'entry.cjs');
  await build({
    ...common,
    sourcemap: false,
    entryPoints: ['scripts/gen-validator-entry.ts'],
    outfile: entry,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
  });
  const require = createRequire(import.meta.url);
  const { schema, options, checkSchema, checkOptions } = require(path.resolve(entry));
  const Ajv = require('ajv').default;
  const standaloneCode = require('ajv/dist/standalone').default;
  const standalone = (s, o) => {
    const ajv = new Ajv({ ...o, code: { ...o.code, source: true } });
    return standaloneCode(ajv, ajv.compile(s));
  };
  // Minified, ASCII only (one typographic quote in a schema's text would make V8 hold the whole source as two
  // bytes a character: the check's 424 KB were 829 KB in memory), with Ajv's few run-time helpers inlined (no
  // module lookups when a command loads it).
  const compact = async (code) =>
    (
      await build({
        stdin: { contents: code, resolveDir: process.cwd(), loader: 'js' },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        minify: true,
        charset: 'ascii',
        write: false,
        logLevel: 'warning',
      })
    ).outputFiles[0].text;
  writeFileSync(path.join(out, 'config-validator.js'), await compact(standalone(schema, options)));
  // The fast check (same validity, first error only, one small function per section and step kind): what a
  // valid config costs at start-up; config-validator.js is loaded only to explain a failure.
  writeFileSync(path.join(out, 'config-check.js'), await compact(standalone(checkSchema, checkOptions)));
} catch (err) {
  console.error(`config validator not precompiled (the CLI compiles it at run time): ${err.message}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
