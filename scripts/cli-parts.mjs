// The CLI as one main file and its parts (issue 20). Every `import()` of Offload's own code in the CLI starts a
// part: a file of its own (dist/cli-part-NAME.cjs) that Node loads the first time that code is called, so a
// command reads, decodes and deserializes only what it can run: `offload status` never reads `init`'s project
// detection, the AWS step kinds' run code (aws/steps/run.ts) or a Kubernetes rollout.
//
// A part holds only the modules the main file lacks. Each module it shares with the main file is the main file's
// own instance, handed to the part when it loads (the main file's table of shared modules): one Map of what a run
// deployed, one process registry, one class behind `instanceof`. A module two parts would both hold is put in the
// main file instead, so no module is ever loaded twice in one process.
//
// The main file's modules stay plain (esbuild's scope-hoisted top level): nothing in it is `require()`d or
// `import()`ed, which would make esbuild wrap that module and every module it imports in a lazy initialiser (a
// function and a call each, namespace objects, a bigger code cache). The table names each shared module's exports
// by name and is made the first time a part loads.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();
/** The project-relative path of an esbuild input or an absolute path, with forward slashes. */
const rel = (p) => path.relative(ROOT, path.resolve(ROOT, p)).split(path.sep).join('/');
/** Offload's own TypeScript (what starts a part). */
const own = (p) => /^main\/.*\.ts$/.test(p);
/**
 * A file the CLI bundles (Offload's own, or a package it inlines: commander…): what a part shares with the main
 * file where the main file holds it, so a class is one class (`instanceof CommanderError`) and its code is not
 * read twice. Not esbuild's virtual modules (`namespace:path`).
 */
const bundled = (p) => !/^[\w-]+:/.test(p);
/** The file name of the part whose entry is `entry` (main/core/init/index.ts -> cli-part-core-init.cjs). */
const partFile = (entry) =>
  `cli-part-${entry
    .replace(/^main\//, '')
    .replace(/(\/index)?\.ts$/, '')
    .replace(/[^\w]+/g, '-')}.cjs`;

/** The main file's entry: the CLI's own, and the table of shared modules (registered with the loader). */
const ENTRY = 'offload-cli-entry';
const TABLE = 'offload-shared-modules';
export const LOADER = 'offload-part-loader';
/**
 * A part's file: a function of the main file's shared modules that returns the part's exports, made once per
 * process however many files load the part.
 */
const PART_OPEN =
  'var __offloadPart; module.exports = function (__offloadShared) { if (__offloadPart) return __offloadPart; ' +
  'var module = { exports: {} }, exports = module.exports;';
const PART_CLOSE = `\nreturn (__offloadPart = module.exports); };`;

/**
 * How a file of the CLI loads a part (one small CommonJS module in each file): once, giving it the shared
 * modules, and saying in one line what to do when the part's file is missing or damaged (an interrupted
 * build). The main file's table registers itself here at start and is made at the first part. The lazy YAML
 * part (scripts/build.mjs) loads through `file` and `damaged` too.
 */
const LOADER_CODE = `const fix = 'run \`npm run build\` (or \`npm install\`) in the Offload folder';
const damaged = (file, why) => new Error("Offload's build is damaged (dist/" + file + why + '): ' + fix);
let table;
let made;
const shared = () => (made ??= table());
exports.register = (t) => {
  table = t;
};
exports.shared = (name) => shared()[name];
exports.damaged = damaged;
exports.file = (file, load) => {
  try {
    return load();
  } catch (err) {
    if (!(err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(file)))
      throw damaged(file, ': ' + (err && err.message));
    // not found as a file: missing, or something else of that name (a folder)
    if (require('node:fs').existsSync(require('node:path').join(__dirname, file))) throw damaged(file, ' is not a file');
    throw new Error("Offload's build is incomplete (dist/" + file + ' is missing): ' + fix);
  }
};
exports.part = (file, load, given) => {
  const part = exports.file(file, load);
  if (typeof part !== 'function') throw damaged(file, ' is no part');
  return part(given ?? shared());
};
`;

/** What an `import()` of a part (or a part's static import of another) becomes: the part, loaded once. */
const partStub = (file, isPart) =>
  `module.exports = require('${LOADER}').part('${file}', () => require('./${file}')${isPart ? ', __offloadShared' : ''});\n`;

/**
 * The table: each shared module's exports (`names`: module -> export names) as getters, so a part sees the main
 * file's live bindings; `__esModule` keeps a default export the default.
 */
function tableCode(names) {
  const mods = [...names.keys()].sort();
  const imports = mods
    .map((m, i) =>
      names.get(m).length
        ? `import { ${names
            .get(m)
            .map((n) => `${n === 'default' ? 'default' : n} as m${i}_${n}`)
            .join(', ')} } from './${m}';\n`
        : `import './${m}';\n`,
    )
    .join('');
  const entries = mods.map(
    (m, i) =>
      `  ${JSON.stringify(m)}: { __esModule: true, ${names
        .get(m)
        .map((n) => `get ${JSON.stringify(n)}() { return m${i}_${n}; }`)
        .join(', ')} },`,
  );
  return `import { register } from '${LOADER}';\n${imports}register(() => ({\n${entries.join('\n')}\n}));\n`;
}

/**
 * An esbuild plugin for one file of the CLI (the main file or a part). `inMain`: the modules the main file holds.
 * - An `import()` of Offload's code the main file does not hold becomes that part's stub; `parts` collects those
 *   entries. In a part, a static import of another part's entry (`entries`) is that part's stub too (a part is
 *   loaded synchronously; it is only ever one instance).
 * - In a part, a module the main file holds is the main file's instance; in the main file, an `import()` of one
 *   of its own modules is that module as the table has it. `used` collects both.
 * - The main file's entry imports the CLI and the table (`names`: the shared modules' exports).
 */
function partsPlugin({ isPart, inMain, self, entry, entries = new Set(), names = new Map(), parts, used }) {
  return {
    name: 'cli-parts',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData === 'resolving') return undefined;
        // a package is shared only from a part (the main file bundles the packages it imports)
        if (!isPart && !args.path.startsWith('.') && !path.isAbsolute(args.path)) return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (r.errors.length || r.external || r.namespace !== 'file') return undefined;
        const target = rel(r.path);
        if (!bundled(target) || target === self) return undefined;
        if (inMain.has(target)) {
          if (!isPart && args.kind !== 'dynamic-import') return undefined;
          used?.add(target);
          // named .cjs: esbuild reads a virtual module's kind from its name (commander's esm.mjs is shared too)
          return { path: `${target}.shared.cjs`, namespace: 'cli-shared' };
        }
        if (!own(target)) return undefined;
        if (args.kind === 'dynamic-import' || (isPart && entries.has(target))) {
          parts?.add(target);
          return { path: target, namespace: 'cli-part-stub' };
        }
        return undefined;
      });
      b.onResolve({ filter: /^\.\/cli-part-[\w-]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      b.onResolve({ filter: new RegExp(`^${LOADER}$`) }, () => ({
        path: LOADER,
        namespace: 'cli-part-loader',
      }));
      b.onLoad({ filter: /.*/, namespace: 'cli-part-loader' }, () => ({
        loader: 'js',
        contents: LOADER_CODE,
      }));
      b.onLoad({ filter: /.*/, namespace: 'cli-part-stub' }, (args) => ({
        loader: 'js',
        resolveDir: ROOT,
        contents: partStub(partFile(args.path), isPart),
      }));
      b.onLoad({ filter: /.*/, namespace: 'cli-shared' }, (args) => {
        const name = JSON.stringify(args.path.slice(0, -'.shared.cjs'.length));
        return {
          loader: 'js',
          resolveDir: ROOT,
          contents: isPart
            ? `module.exports = __offloadShared[${name}];\n`
            : `module.exports = require('${LOADER}').shared(${name});\n`,
        };
      });
      if (isPart) return;
      b.onResolve({ filter: new RegExp(`^(${ENTRY}|${TABLE})$`) }, (args) => ({
        path: args.path,
        namespace: 'cli-main',
      }));
      b.onLoad({ filter: /.*/, namespace: 'cli-main' }, (args) => ({
        loader: 'js',
        resolveDir: ROOT,
        contents:
          args.path === ENTRY ? `export * from './${entry}';\nimport '${TABLE}';\n` : tableCode(names),
      }));
    },
  };
}

/** Each module's export names (what a part may take from it). */
async function exportNames(mods, options, out) {
  if (!mods.length) return new Map();
  const r = await build({
    ...options,
    entryPoints: mods,
    format: 'esm',
    splitting: true,
    write: false,
    outdir: path.join(out, '.exports'),
    sourcemap: false,
    metafile: true,
    banner: {},
    footer: {},
    // the lazy YAML part's stand-in imports the loader, which only the CLI's own builds provide
    external: [...(options.external ?? []), LOADER],
  });
  const names = new Map();
  // (an `import()` inside makes an entry of its own in this build: only the modules asked for are named)
  for (const o of Object.values(r.metafile.outputs))
    if (o.entryPoint && mods.includes(rel(o.entryPoint)))
      names.set(
        rel(o.entryPoint),
        o.exports.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n)),
      );
  return names;
}

/**
 * Builds the CLI into `out`: the main file (cli.cjs, from `entry` with `mainOptions`) and its parts (with
 * `partOptions`; each part's `banner` and `footer` are this module's). Returns the main file's metafile and
 * the parts' file names.
 */
export async function buildCli({ out, entry, mainOptions, partOptions }) {
  mkdirSync(out, { recursive: true });
  const analysis = { write: false, outdir: out, sourcemap: false, metafile: true };
  const inputsOf = (r) => Object.keys(r.metafile.inputs).filter(bundled).map(rel);
  // The main file, then every part it starts (and the parts they start), until what the main file holds and the
  // parts are stable: a module two parts would hold is put in the main file (its table imports it), and with it
  // whatever that module imports; a part's entry another part imports is loaded as that part.
  let inMain = new Set();
  let forced = new Set();
  let entries = new Set();
  let parts;
  let used;
  for (let round = 0; ; round++) {
    if (round > 8) throw new Error('cli parts: what the main file holds does not settle');
    const mainParts = new Set();
    used = new Set();
    const main = await build({
      ...mainOptions,
      ...analysis,
      entryPoints: [ENTRY],
      plugins: [
        partsPlugin({
          isPart: false,
          inMain,
          entry,
          names: new Map([...forced].map((m) => [m, []])),
          parts: mainParts,
          used,
        }),
        ...mainOptions.plugins,
      ],
    });
    const nowInMain = new Set(inputsOf(main));
    parts = new Map();
    const queue = [...mainParts];
    while (queue.length) {
      const p = queue.shift();
      if (parts.has(p) || nowInMain.has(p)) continue;
      const found = new Set();
      const r = await build({
        ...partOptions,
        ...analysis,
        entryPoints: [p],
        plugins: [
          partsPlugin({ isPart: true, inMain: nowInMain, self: p, entries, parts: found, used }),
          ...partOptions.plugins,
        ],
      });
      parts.set(
        p,
        inputsOf(r).filter((m) => !nowInMain.has(m)),
      );
      queue.push(...found);
    }
    const holders = new Map();
    for (const mods of parts.values()) for (const m of mods) holders.set(m, (holders.get(m) ?? 0) + 1);
    const doubled = [...holders].filter(([m, n]) => n > 1 && !parts.has(m)).map(([m]) => m);
    const same = (a, b) => a.size === b.size && [...a].every((m) => b.has(m));
    // doubles count once every part is known (a part's entry another part imports is no double)
    const known = same(new Set(parts.keys()), entries);
    const settled = known && doubled.length === 0 && same(nowInMain, inMain);
    inMain = nowInMain;
    entries = new Set(parts.keys());
    if (known) forced = new Set([...forced, ...doubled]);
    if (settled) break;
  }
  const names = await exportNames([...new Set([...forced, ...used])].sort(), partOptions, out);
  // parts of an earlier build that this one does not make
  const made = new Set([...parts.keys()].map(partFile));
  for (const f of readdirSync(out, { withFileTypes: true }))
    if (f.isFile() && /^cli-part-.*\.cjs(\.map)?$/.test(f.name) && !made.has(f.name.replace(/\.map$/, '')))
      rmSync(path.join(out, f.name));
  const [mainResult] = await Promise.all([
    build({
      ...mainOptions,
      entryPoints: { cli: ENTRY },
      outdir: out,
      plugins: [partsPlugin({ isPart: false, inMain, entry, names }), ...mainOptions.plugins],
    }),
    ...[...parts.keys()].map((p) =>
      build({
        ...partOptions,
        entryPoints: [p],
        outfile: path.join(out, partFile(p)),
        banner: { js: PART_OPEN },
        footer: { js: PART_CLOSE },
        plugins: [partsPlugin({ isPart: true, inMain, self: p, entries }), ...partOptions.plugins],
      }),
    ),
  ]);
  return { metafile: mainResult.metafile, parts: [...made] };
}
