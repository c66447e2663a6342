// The CLI as one main file and its parts (issue 20). Every `import()` of Offload's own code in the CLI starts a
// part: a file of its own (dist/cli-part-NAME.cjs) that Node loads the first time that code is called, so a
// command reads, decodes and deserializes only what it can run: `offload status` never reads `init`'s project
// detection, the AWS step kinds' run code (aws/steps/run.ts) or a Kubernetes rollout.
//
// A part holds only the modules the main file lacks. Each module it shares with the main file is the main file's
// own instance, handed to the part when it loads (the main file's table of shared modules): one Map of what a run
// deployed, one process registry, one class behind `instanceof`. A module two parts would both hold is put in the
// main file instead, so no module is ever loaded twice in one process.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();
/** The project-relative path of an esbuild input or an absolute path, with forward slashes. */
const rel = (p) => path.relative(ROOT, path.resolve(ROOT, p)).split(path.sep).join('/');
/** Offload's own TypeScript (what a part may be made of). */
const own = (p) => /^main\/.*\.ts$/.test(p);
/** The file name of the part whose entry is `entry` (main/core/init/index.ts -> cli-part-core-init.cjs). */
const partFile = (entry) =>
  `cli-part-${entry
    .replace(/^main\//, '')
    .replace(/(\/index)?\.ts$/, '')
    .replace(/[^\w]+/g, '-')}.cjs`;

const TABLE = 'offload-shared-modules';
/**
 * A part's file: a function of the main file's shared modules that returns the part's exports, made once per
 * process however many files load the part.
 */
const PART_OPEN =
  'var __offloadPart; module.exports = function (__offloadShared) { if (__offloadPart) return __offloadPart; ' +
  'var module = { exports: {} }, exports = module.exports;';
const PART_CLOSE = `\nreturn (__offloadPart = module.exports); };`;

const LOADER = 'offload-part-loader';
/**
 * How a file of the CLI loads a part (one module in each file): once, giving it the shared modules, and saying
 * in one line what to do when the part's file is missing or damaged (an interrupted build).
 */
const LOADER_CODE = `const fix = 'run \`npm run build\` (or \`npm install\`) in the Offload folder';
module.exports = (file, load, shared) => {
  let part;
  try {
    part = load();
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(file))
      throw new Error("Offload's build is incomplete (dist/" + file + ' is missing): ' + fix);
    throw new Error("Offload's build is damaged (dist/" + file + ': ' + (err && err.message) + '): ' + fix);
  }
  if (typeof part !== 'function') throw new Error("Offload's build is damaged (dist/" + file + ' is no part): ' + fix);
  return part(shared);
};
`;

/** What an `import()` of a part (or a part's static import of another) becomes: the part, loaded by LOADER. */
const partStub = (file, table) =>
  `module.exports = require('${LOADER}')('${file}', () => require('./${file}'), ${table});\n`;

/**
 * An esbuild plugin for one file of the CLI (the main file or a part). `inMain`: the modules the main file holds.
 * - An `import()` of Offload's code the main file does not hold becomes that part's stub (above); `parts`
 *   collects those entries. In a part, a static import of another part's entry (`entries`) is that part's
 *   stub too (a part is loaded synchronously; it is only ever one instance).
 * - In a part, a module the main file holds becomes the main file's instance; `used` collects them.
 * - In the main file, the table of the modules the parts take (`exposed`): made when a part first loads, so
 *   it costs a command that loads no part nothing; a module it names that nothing else imports is in the main
 *   file only for the parts.
 */
function partsPlugin({
  isPart,
  inMain,
  self,
  entries = new Set(),
  exposed = new Set(),
  parts = new Set(),
  used = new Set(),
}) {
  return {
    name: 'cli-parts',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData === 'resolving') return undefined;
        if (!args.path.startsWith('.') && !path.isAbsolute(args.path)) return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (r.errors.length || r.external) return undefined;
        const target = rel(r.path);
        if (!own(target)) return undefined;
        if (isPart && inMain.has(target)) {
          used.add(target);
          return { path: target, namespace: 'cli-shared' };
        }
        if ((args.kind === 'dynamic-import' || (isPart && entries.has(target))) && !inMain.has(target)) {
          if (target === self) return undefined;
          parts.add(target);
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
        contents: partStub(partFile(args.path), isPart ? '__offloadShared' : `require('${TABLE}').table`),
      }));
      b.onLoad({ filter: /.*/, namespace: 'cli-shared' }, (args) => ({
        loader: 'js',
        contents: `module.exports = __offloadShared[${JSON.stringify(args.path)}];\n`,
      }));
      if (isPart) return;
      b.onResolve({ filter: new RegExp(`^${TABLE}$`) }, () => ({ path: TABLE, namespace: 'cli-table' }));
      b.onLoad({ filter: /.*/, namespace: 'cli-table' }, () => {
        const mods = [...exposed].sort();
        return {
          loader: 'js',
          resolveDir: ROOT,
          contents:
            mods.map((m, i) => `import * as m${i} from './${m}';\n`).join('') +
            `export const table = {\n${mods.map((m, i) => `  ${JSON.stringify(m)}: m${i},`).join('\n')}\n};\n`,
        };
      });
    },
  };
}

/**
 * Builds the CLI into `out`: the main file (cli.cjs, from `entry` with `mainOptions`) and its parts (with
 * `partOptions`; each part's `banner` and `footer` are this module's). Returns the main file's metafile and
 * the parts' file names.
 */
export async function buildCli({ out, entry, mainOptions, partOptions }) {
  mkdirSync(out, { recursive: true });
  const analysis = { write: false, outdir: out, sourcemap: false, metafile: true };
  const inputsOf = (r) => Object.keys(r.metafile.inputs).filter(own).map(rel);
  // The main file, then every part it starts (and the parts they start), until what the main file holds and the
  // parts are stable: a module two parts would hold is put in the main file (it names it in its table), and with
  // it whatever that module imports; a part's entry another part imports is loaded as that part.
  let inMain = new Set();
  let forced = new Set();
  let entries = new Set();
  let parts;
  for (let round = 0; ; round++) {
    if (round > 8) throw new Error('cli parts: what the main file holds does not settle');
    const mainParts = new Set();
    const main = await build({
      ...mainOptions,
      ...analysis,
      entryPoints: [entry],
      plugins: [
        partsPlugin({ isPart: false, inMain, exposed: forced, parts: mainParts }),
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
      const used = new Set();
      const r = await build({
        ...partOptions,
        ...analysis,
        entryPoints: [p],
        plugins: [
          partsPlugin({ isPart: true, inMain: nowInMain, self: p, entries, parts: found, used }),
          ...partOptions.plugins,
        ],
      });
      parts.set(p, { own: inputsOf(r).filter((m) => !nowInMain.has(m)), used });
      queue.push(...found);
    }
    const holders = new Map();
    for (const { own: mods } of parts.values())
      for (const m of mods) holders.set(m, (holders.get(m) ?? 0) + 1);
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
  const exposed = new Set(forced);
  for (const { used } of parts.values()) for (const m of used) exposed.add(m);
  // parts of an earlier build that this one does not make
  const made = new Set([...parts.keys()].map(partFile));
  for (const f of readdirSync(out, { withFileTypes: true }))
    if (f.isFile() && /^cli-part-.*\.cjs(\.map)?$/.test(f.name) && !made.has(f.name.replace(/\.map$/, '')))
      rmSync(path.join(out, f.name));
  const [mainResult] = await Promise.all([
    build({
      ...mainOptions,
      entryPoints: { cli: entry },
      outdir: out,
      plugins: [partsPlugin({ isPart: false, inMain, exposed }), ...mainOptions.plugins],
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
