// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinRules } from 'eslint/use-at-your-own-risk';

// --- Boundaries --------------------------------------------------------------------------------------------
const NO_ELECTRON =
  'Only main/app and preload/ know Electron; main/core, main/cli and renderer/ stay Electron-free.';
const ELECTRON_PATHS = [{ name: 'electron', message: NO_ELECTRON }];
const ELECTRON_PATTERNS = [{ group: ['electron/*'], message: NO_ELECTRON }];
/** require('electron'), require('electron/main'), import('electron'): what no-restricted-imports does not see. */
const ELECTRON_SYNTAX = [
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron(\\/|$)/]",
    message: NO_ELECTRON,
  },
  { selector: 'ImportExpression[source.value=/^electron(\\/|$)/]', message: NO_ELECTRON },
  { selector: 'TSImportType[source.value=/^electron(\\/|$)/]', message: NO_ELECTRON },
];
/** The core imports nothing from the front ends: main/app, main/cli, preload/, renderer/. */
const CORE_UPWARD = {
  regex: '^(\\.\\./)+(app|cli|preload|renderer)(/|$)',
  message:
    'main/core must not import from main/app, main/cli, preload/ or renderer/: the front ends build on the core.',
};
/**
 * The bottom layers import nothing above them: vocabulary nothing, units and platform only the vocabulary.
 * @param {string} [allowed] the one sibling folder the layer may import
 */
const BELOW_CONCERNS = (allowed) => ({
  regex: allowed ? `^\\.\\./(?!${allowed}(/|$))` : '^\\.\\./',
  message:
    'vocabulary/, units/ and platform/ are below every concern: they import only the vocabulary (and the vocabulary nothing).',
});
/** The typed bridge: the only files that touch raw IPC (STYLE.md: one contract, typed once). */
const BRIDGE_FILES = ['main/app/ipc.ts', 'preload/preload.ts'];
const NO_RAW_IPC =
  'Raw IPC only in the bridge (main/app/ipc.ts, preload/preload.ts); use the typed API of preload/api.ts.';
const RAW_IPC = [
  { selector: 'MemberExpression[object.name=/^ipc(Main|Renderer)$/]', message: NO_RAW_IPC },
  { selector: 'MemberExpression[property.name=/^ipc(Main|Renderer)$/]', message: NO_RAW_IPC },
  { selector: 'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]', message: NO_RAW_IPC },
];
/** The front ends open a project through the core's entry point; they never build its parts themselves. */
const NO_CONSTRUCT =
  'Only main/core builds engines, watches and notifiers: open the project through the core entry point.';
/** The core's parts by name: `new Engine()`, and every way to reach one under another name. */
const CORE_PARTS = '/^(Engine|Notifier|create(Machine|Aws)Watch)$/';
const CORE_CONSTRUCTS = [
  { selector: "NewExpression[callee.name='Engine']", message: NO_CONSTRUCT },
  { selector: "NewExpression[callee.name='Notifier']", message: NO_CONSTRUCT },
  { selector: 'CallExpression[callee.name=/^create(Machine|Aws)Watch$/]', message: NO_CONSTRUCT },
  { selector: 'CallExpression[callee.property.name=/^create(Machine|Aws)Watch$/]', message: NO_CONSTRUCT },
  // `import { Engine as E }; new E()`, `core.Engine`, `const { Engine: E } = await import(…)`.
  { selector: `ImportSpecifier[imported.name=${CORE_PARTS}]`, message: NO_CONSTRUCT },
  { selector: `MemberExpression[property.name=${CORE_PARTS}]`, message: NO_CONSTRUCT },
  { selector: `ObjectPattern > Property[key.name=${CORE_PARTS}]`, message: NO_CONSTRUCT },
];

// --- project effects stay inside main/core/boundary ---------------------------------------------------------
// Every request to a project-named URL or endpoint, every AWS client built from offload.yml, goes through the
// boundary (main/core/boundary), which knows the project's trust. Nothing else in main/ opens a socket, calls
// fetch or builds an SDK client; proven by test/unit/lint-project-effects.test.ts. The rules are ESLint's own
// under the `project-effects/` prefix, so these options never replace the Boundaries' ones above (flat config
// keeps one option list per rule name and file).
const NO_RAW_NETWORK =
  'Project effects stay inside main/core/boundary: requests go through projectEffects(…).request/connect (loopback to a proven model server: platform/loopback-http).';
const NO_RAW_AWS =
  'Project effects stay inside main/core/boundary: AWS clients come from projectEffects(…).awsClients(cfg), which knows the trust (an untrusted aws.endpoint gets no credentials).';
const NETWORK_MODULE = '/^(node:)?(http|https|http2|net|tls|dgram)$|^undici(\\/|$)/';
const RAW_NETWORK = [
  {
    selector: `ImportDeclaration[importKind!='type'][source.value=${NETWORK_MODULE}]`,
    message: NO_RAW_NETWORK,
  },
  { selector: `ExportAllDeclaration[source.value=${NETWORK_MODULE}]`, message: NO_RAW_NETWORK },
  { selector: `ExportNamedDeclaration[source.value=${NETWORK_MODULE}]`, message: NO_RAW_NETWORK },
  {
    selector: `CallExpression[callee.name='require'][arguments.0.value=${NETWORK_MODULE}]`,
    message: NO_RAW_NETWORK,
  },
  { selector: `ImportExpression[source.value=${NETWORK_MODULE}]`, message: NO_RAW_NETWORK },
  {
    selector: "MemberExpression[object.name=/^(globalThis|global|window|self)$/][property.name='fetch']",
    message: NO_RAW_NETWORK,
  },
];
const RAW_AWS = [
  { selector: 'NewExpression[callee.name=/Client$/]', message: NO_RAW_AWS },
  { selector: 'NewExpression[callee.property.name=/Client$/]', message: NO_RAW_AWS },
  { selector: "CallExpression[callee.name='createAwsClients']", message: NO_RAW_AWS },
  { selector: "CallExpression[callee.property.name='createAwsClients']", message: NO_RAW_AWS },
  { selector: "ImportSpecifier[imported.name='createAwsClients']", message: NO_RAW_AWS },
];
const NO_RAW_GIT =
  'Project effects stay inside main/core/boundary: git runs through boundary/git (never on a repository whose configuration would block it).';
const RAW_GIT = [
  { selector: 'ImportDeclaration[source.value=/(^|\\/)platform\\/git$/]', message: NO_RAW_GIT },
  { selector: 'ImportExpression[source.value=/(^|\\/)platform\\/git$/]', message: NO_RAW_GIT },
];
const PROJECT_EFFECTS_RULES = {
  rules: {
    'no-restricted-syntax': builtinRules.get('no-restricted-syntax'),
    'no-restricted-globals': builtinRules.get('no-restricted-globals'),
  },
};
const projectEffects = [
  {
    files: ['main/**'],
    ignores: ['main/core/boundary/**'],
    plugins: { 'project-effects': PROJECT_EFFECTS_RULES },
    rules: {
      'project-effects/no-restricted-syntax': ['error', ...RAW_NETWORK, ...RAW_AWS, ...RAW_GIT],
      'project-effects/no-restricted-globals': ['error', { name: 'fetch', message: NO_RAW_NETWORK }],
    },
  },
  // platform/ talks to this machine only (the model servers' proven sockets); it builds no AWS client.
  {
    files: ['main/core/platform/**'],
    rules: { 'project-effects/no-restricted-syntax': ['error', ...RAW_AWS] },
  },
  // The SDK clients are built here, and only the boundary calls it.
  {
    files: ['main/core/aws/clients.ts'],
    rules: { 'project-effects/no-restricted-syntax': ['error', ...RAW_NETWORK] },
  },
];

// --- Front-end import allowlist (issue 15) -----------------------------------------------------------------
// The front ends (main/app, main/cli, preload/, renderer/) reach the core through an allowlist, not a denylist:
// the facade (main/core/offload.ts), the snapshot types it hands out (main/core/state.ts), the vocabulary
// (main/core/vocabulary) and formatting (main/core/format: sizes, durations, the attention line, one label per
// workflow and one icon per gate state). Every other core module is a lint error, however it is reached:
// import, import type, export … from, require(), import(), typeof import(), import x = require().
// The renderer and the preload get no facade: they run in the window and reach the core through the bridge
// (preload/api.ts), which main/app and the renderer may import. Front ends never import one another.
// Slashes are written \/ so each regex works both as a no-restricted-imports `regex` and in a selector.
/** Core modules every front end may import (vocabulary/ with its files). */
const CORE_FOR_VIEWS = ['state', 'format'];
/** …and the ones main/app and main/cli may import besides: the facade. */
const CORE_FOR_NODE = ['offload', ...CORE_FOR_VIEWS];
/**
 * A relative import into main/core other than `allowed` (a module of main/core, e.g. 'offload', 'rule/wire').
 * @param {string[]} allowed
 */
const coreOutside = (allowed) =>
  `^(\\.\\.\\/)+(main\\/)?core(\\/|$)(?!(${allowed.map((m) => m.replace(/\//g, '\\/')).join('|')})$|vocabulary(\\/|$))`;
/**
 * A relative import into the other front ends' folders; the bridge's contract (preload/api) when `bridge`.
 * @param {string[]} others folders: 'app' and 'cli' (under main/), 'renderer', 'preload'
 * @param {boolean} bridge whether preload/api is allowed
 */
const frontEndOutside = (others, bridge) =>
  [
    `^(\\.\\.\\/)+(main\\/)?(${others.join('|')})(\\/|$)`,
    ...(bridge ? ['^(\\.\\.\\/)+preload(\\/(?!api$)|$)'] : []),
  ].join('|');
/** A path that goes down and back up (`../cli/../core/x`, `./../core`, `a/./b`): the lint could not place it. */
const NOT_NORMALIZED = '\\/\\.(\\/|$)|[^.\\/][^\\/]*\\/\\.\\.(\\/|$)|^\\.\\/\\.\\.';
const NOT_ALLOWED =
  'Front ends import from main/core only the facade (offload.ts), state.ts, the vocabulary and format (the renderer and preload: no facade, they use the bridge), never another front end; see the allowlist in eslint.config.mjs.';
/**
 * no-restricted-imports and no-restricted-syntax for a front end: the allowlist, and electron where banned.
 * @param {{ core: string[], others: string[], bridge: boolean, electron: boolean, syntax: object[] }} o
 */
function frontEndRules(o) {
  const core = coreOutside(o.core);
  const others = frontEndOutside(o.others, o.bridge);
  const any = `(${core})|(${others})|(${NOT_NORMALIZED})`;
  const patterns = [
    { regex: core, message: NOT_ALLOWED },
    { regex: others, message: NOT_ALLOWED },
    { regex: NOT_NORMALIZED, message: `Write the import path normalized. ${NOT_ALLOWED}` },
  ];
  return {
    'no-restricted-imports': [
      'error',
      o.electron ? { paths: ELECTRON_PATHS, patterns: [...ELECTRON_PATTERNS, ...patterns] } : { patterns },
    ],
    'no-restricted-syntax': [
      'error',
      ...o.syntax,
      { selector: `CallExpression[callee.name='require'][arguments.0.value=/${any}/]`, message: NOT_ALLOWED },
      { selector: `ImportExpression[source.value=/${any}/]`, message: NOT_ALLOWED },
      { selector: `TSImportType[source.value=/${any}/]`, message: NOT_ALLOWED },
      { selector: `TSExternalModuleReference[expression.value=/${any}/]`, message: NOT_ALLOWED },
      // A module named at run time is one the lint cannot check.
      {
        selector: "CallExpression[callee.name='require'][arguments.0.type!='Literal']",
        message: `require() takes a literal path in the front ends. ${NOT_ALLOWED}`,
      },
      {
        selector: "ImportExpression[source.type!='Literal']",
        message: `import() takes a literal path in the front ends. ${NOT_ALLOWED}`,
      },
    ],
  };
}
/**
 * Still to move behind the facade: main/cli's imports of other core modules, one entry per file and module,
 * allowed here and nowhere else. This list only shrinks; the composition-root work of issue 15 (one facade
 * interface, no opened()/machineWatch()) removes these entries.
 * @type {[file: string, coreModule: string, why: string][]}
 */
export const CLI_NOT_YET_BEHIND_FACADE = [
  // empty: the CLI reaches the core through the allowlist only
];
const CLI_SYNTAX = [...ELECTRON_SYNTAX, ...RAW_IPC, ...CORE_CONSTRUCTS];
/** @param {string[]} extra core modules this CLI file may still import */
const cliRules = (extra = []) =>
  frontEndRules({
    core: [...CORE_FOR_NODE, ...extra],
    others: ['app', 'renderer', 'preload'],
    bridge: false,
    electron: true,
    syntax: CLI_SYNTAX,
  });
const APP = { core: CORE_FOR_NODE, others: ['cli', 'renderer'], bridge: true, electron: false };
const PRELOAD = { core: CORE_FOR_VIEWS, others: ['app', 'cli', 'renderer'], bridge: false, electron: false };
// --- end of the front-end import allowlist ----------------------------------------------------------------

// --- Size (issue 15) ---------------------------------------------------------------------------------------
// No source file over 500 lines and no function over 150 in main/, preload/ and renderer/ (tests and generated
// files aside): a decision that grows past that becomes its own small, tested function or module.
const SOURCES = [
  'main/**/*.{ts,mts,js,mjs}',
  'preload/**/*.{ts,mts,js,mjs}',
  'renderer/**/*.{ts,mts,js,mjs}',
];
const GENERATED = ['**/*.generated.*', '**/generated/**', '**/*.d.ts'];
const size = [
  {
    files: SOURCES,
    ignores: GENERATED,
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 150, skipBlankLines: false, skipComments: false }],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'test/fixtures/init-corpus/**',
      'dist/**',
      'release/**',
      'test-results/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        globalThis: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        structuredClone: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests match terminal output, escape codes included.
    files: ['test/**'],
    rules: { 'no-control-regex': 'off' },
  },
  // Boundaries (ARCHITECTURE.md), each rule proven by test/unit/lint-boundaries.test.ts. Flat config does not
  // merge a rule's options across blocks, so each block below lists every restriction its files carry.
  {
    files: ['main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ELECTRON_PATHS, patterns: [...ELECTRON_PATTERNS, CORE_UPWARD] },
      ],
      'no-restricted-syntax': ['error', ...ELECTRON_SYNTAX, ...RAW_IPC],
    },
  },
  {
    files: ['main/core/vocabulary/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ELECTRON_PATHS, patterns: [...ELECTRON_PATTERNS, CORE_UPWARD, BELOW_CONCERNS()] },
      ],
    },
  },
  {
    files: ['main/core/units/**', 'main/core/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ELECTRON_PATHS,
          patterns: [...ELECTRON_PATTERNS, CORE_UPWARD, BELOW_CONCERNS('vocabulary')],
        },
      ],
    },
  },
  // Front-end import allowlist (issue 15): one block per front end, then the CLI's shrinking exceptions.
  {
    files: ['renderer/**'],
    rules: frontEndRules({
      core: CORE_FOR_VIEWS,
      others: ['app', 'cli'],
      bridge: true,
      electron: true,
      syntax: [...ELECTRON_SYNTAX, ...RAW_IPC, ...CORE_CONSTRUCTS],
    }),
  },
  { files: ['main/cli/**'], rules: cliRules() },
  ...Object.entries(
    CLI_NOT_YET_BEHIND_FACADE.reduce(
      (byFile, [file, mod]) => ({ ...byFile, [file]: [...(byFile[file] ?? []), mod] }),
      /** @type {Record<string, string[]>} */ ({}),
    ),
  ).map(([file, extra]) => ({ files: [file], rules: cliRules(extra) })),
  {
    files: ['main/app/**'],
    ignores: BRIDGE_FILES,
    rules: frontEndRules({ ...APP, syntax: [...RAW_IPC, ...CORE_CONSTRUCTS] }),
  },
  {
    files: ['preload/**'],
    ignores: BRIDGE_FILES,
    rules: frontEndRules({ ...PRELOAD, syntax: [...RAW_IPC, ...CORE_CONSTRUCTS] }),
  },
  { files: ['main/app/ipc.ts'], rules: frontEndRules({ ...APP, syntax: CORE_CONSTRUCTS }) },
  { files: ['preload/preload.ts'], rules: frontEndRules({ ...PRELOAD, syntax: CORE_CONSTRUCTS }) },
  // End of the front-end import allowlist.
  ...projectEffects,
  ...size,
);
