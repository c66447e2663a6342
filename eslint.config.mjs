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
const CORE_CONSTRUCTS = [
  { selector: "NewExpression[callee.name='Engine']", message: NO_CONSTRUCT },
  { selector: "NewExpression[callee.name='Notifier']", message: NO_CONSTRUCT },
  { selector: 'CallExpression[callee.name=/^create(Machine|Aws)Watch$/]', message: NO_CONSTRUCT },
  { selector: 'CallExpression[callee.property.name=/^create(Machine|Aws)Watch$/]', message: NO_CONSTRUCT },
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
      'project-effects/no-restricted-syntax': ['error', ...RAW_NETWORK, ...RAW_AWS],
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

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'test-results/**', 'bench/results/**'] },
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
  {
    files: ['main/cli/**', 'renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ELECTRON_PATHS, patterns: ELECTRON_PATTERNS }],
      'no-restricted-syntax': ['error', ...ELECTRON_SYNTAX, ...RAW_IPC, ...CORE_CONSTRUCTS],
    },
  },
  {
    files: ['main/app/**', 'preload/**'],
    ignores: BRIDGE_FILES,
    rules: { 'no-restricted-syntax': ['error', ...RAW_IPC, ...CORE_CONSTRUCTS] },
  },
  {
    files: BRIDGE_FILES,
    rules: { 'no-restricted-syntax': ['error', ...CORE_CONSTRUCTS] },
  },
  ...projectEffects,
);
