/**
 * The boundaries of ARCHITECTURE.md are lint rules (eslint.config.mjs); a rule is only real if a violating
 * file fails it. Each snippet is linted as if it stood at a path in the tree (nothing is written).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
});

/** The boundary messages ESLint gives `text` placed at `file` (relative to the repository root). */
async function boundaryErrors(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  expect(result, file).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, `${file} did not parse`).toEqual([]);
  return result!.messages.filter((m) => m.ruleId && BOUNDARY_RULES.has(m.ruleId)).map((m) => m.message);
}

const violations: [what: string, file: string, text: string, message: RegExp][] = [
  [
    'a former CLI exception (core/machine from the models command: the type comes from state.ts now)',
    'main/cli/commands/models.ts',
    "import type { MachineWatch } from '../../core/machine';\nexport type M = MachineWatch;\n",
    /Front ends import from main\/core only/,
  ],
  [
    'electron in the core',
    'main/core/machine/x.ts',
    "import { app } from 'electron';\nvoid app;\n",
    /Electron-free/,
  ],
  [
    'electron/* in the CLI',
    'main/cli/x.ts',
    "import { app } from 'electron/main';\nvoid app;\n",
    /Electron-free/,
  ],
  [
    'a type from electron in the core',
    'main/core/x.ts',
    "import type { App } from 'electron';\nexport type A = App;\n",
    /Electron-free/,
  ],
  [
    "require('electron') in the core",
    'main/core/x.ts',
    "export const e = require('electron');\n",
    /Electron-free/,
  ],
  [
    "require('electron/main') in the CLI",
    'main/cli/x.ts',
    "export const e = require('electron/main');\n",
    /Electron-free/,
  ],
  [
    "import('electron') in the renderer",
    'renderer/x.ts',
    "export const e = import('electron');\n",
    /Electron-free/,
  ],
  [
    "typeof import('electron') in the core",
    'main/core/x.ts',
    "export type E = typeof import('electron');\n",
    /Electron-free/,
  ],
  [
    'core → app',
    'main/core/offload.ts',
    "import { x } from '../app/tray';\nvoid x;\n",
    /must not import from main\/app/,
  ],
  [
    'core → cli',
    'main/core/aws/watch.ts',
    "import { x } from '../../cli/terminal';\nvoid x;\n",
    /must not import/,
  ],
  [
    'core → preload',
    'main/core/aws/watch.ts',
    "import type { X } from '../../../preload/api';\nexport type Y = X;\n",
    /must not import/,
  ],
  [
    'core → renderer',
    'main/core/format.ts',
    "import { x } from '../../renderer/format';\nvoid x;\n",
    /must not import/,
  ],
  [
    'core → cli (re-export)',
    'main/core/index.ts',
    "export { x } from '../cli/terminal';\n",
    /must not import/,
  ],
  [
    'the vocabulary importing a concern',
    'main/core/vocabulary/x.ts',
    "import type { X } from '../config/load';\nexport type Y = X;\n",
    /below every concern/,
  ],
  [
    'units importing a concern',
    'main/core/units/x.ts',
    "import { x } from '../machine/config';\nvoid x;\n",
    /below every concern/,
  ],
  [
    'platform importing a concern',
    'main/core/platform/x.ts',
    "import { x } from '../history';\nvoid x;\n",
    /below every concern/,
  ],
  [
    'raw ipcMain in main/app',
    'main/app/tray.ts',
    "declare const ipcMain: { on(c: string): void };\nipcMain.on('x');\n",
    /Raw IPC only in the bridge/,
  ],
  [
    'electron.ipcMain in main/app',
    'main/app/app.ts',
    "declare const electron: { ipcMain: { handle(c: string): void } };\nelectron.ipcMain.handle('x');\n",
    /Raw IPC/,
  ],
  [
    'ipcRenderer imported outside the bridge',
    'preload/extra.ts',
    "import { ipcRenderer } from 'electron';\nvoid ipcRenderer;\n",
    /Raw IPC/,
  ],
  [
    'raw ipcRenderer in the renderer',
    'renderer/view.ts',
    "declare const ipcRenderer: { invoke(c: string): void };\nipcRenderer.invoke('x');\n",
    /Raw IPC/,
  ],
  [
    'raw ipcMain in the core',
    'main/core/x.ts',
    "declare const ipcMain: { on(c: string): void };\nipcMain.on('x');\n",
    /Raw IPC/,
  ],
  [
    'an Engine built by the CLI',
    'main/cli/commands/run.ts',
    'declare class Engine { constructor(o: object) }\nnew Engine({});\n',
    /Only main\/core builds/,
  ],
  [
    'a machine watch built by the app',
    'main/app/tray.ts',
    'declare function createMachineWatch(o?: object): void;\ncreateMachineWatch({});\n',
    /Only main\/core builds/,
  ],
  [
    'an AWS watch built by the CLI',
    'main/cli/commands/aws.ts',
    'declare function createAwsWatch(o?: object): void;\ncreateAwsWatch({});\n',
    /Only main\/core builds/,
  ],
  [
    'an AWS watch through a namespace',
    'main/cli/commands/aws.ts',
    'declare const aws: { createAwsWatch(): void };\naws.createAwsWatch();\n',
    /Only main\/core builds/,
  ],
  [
    'a Notifier built by the app',
    'main/app/notifications.ts',
    'declare class Notifier {}\nnew Notifier();\n',
    /Only main\/core builds/,
  ],
  [
    'a Notifier built in the IPC bridge',
    'main/app/ipc.ts',
    'declare class Notifier {}\nnew Notifier();\n',
    /Only main\/core builds/,
  ],
  // The front-end allowlist: the facade, state.ts, the vocabulary and format; nothing else, however reached.
  [
    'import { Engine as E } from the facade; new E()',
    'main/cli/commands/run.ts',
    "import { Engine as E } from '../../core/offload';\nnew E({});\n",
    /Only main\/core builds/,
  ],
  [
    'import { Engine as E } from the engine; new E()',
    'main/app/tray.ts',
    "import { Engine as E } from '../core/workflow/engine';\nnew E({});\n",
    /only the facade/,
  ],
  [
    'an Engine through a namespace import',
    'main/cli/commands/run.ts',
    "import * as core from '../../core/offload';\nnew core.Engine({});\n",
    /Only main\/core builds/,
  ],
  [
    'an Engine destructured from import()',
    'main/app/app.ts',
    "const { Engine: E } = await import('../core/offload');\nnew E({});\n",
    /Only main\/core builds/,
  ],
  [
    'renderer → core (the config loader)',
    'renderer/view.ts',
    "import { loadConfig } from '../main/core/config';\nvoid loadConfig;\n",
    /only the facade/,
  ],
  [
    'renderer → the facade (the window reaches the core through the bridge)',
    'renderer/sections/aws.ts',
    "import { createOffload } from '../../main/core/offload';\nvoid createOffload;\n",
    /only the facade/,
  ],
  [
    'renderer → app',
    'renderer/view.ts',
    "import { attention } from '../main/app/attention';\nvoid attention;\n",
    /never another front end/,
  ],
  [
    'preload → core beyond the allowlist',
    'preload/api.ts',
    "import type { HistoryStore } from '../main/core/history';\nexport type H = HistoryStore;\n",
    /only the facade/,
  ],
  [
    'CLI → app',
    'main/cli/commands/aws.ts',
    "import { TrayController } from '../../app/tray';\nvoid TrayController;\n",
    /never another front end/,
  ],
  [
    'CLI → app (from main/cli itself)',
    'main/cli/context.ts',
    "export { buildTrayMenu } from '../app/tray-model';\n",
    /never another front end/,
  ],
  [
    'CLI → the bridge',
    'main/cli/commands/status.ts',
    "import type { OffloadApi } from '../../preload/api';\nexport type A = OffloadApi;\n",
    /never another front end/,
  ],
  [
    'app → CLI',
    'main/app/app.ts',
    "import { makeTerm } from '../cli/terminal';\nvoid makeTerm;\n",
    /never another/,
  ],
  [
    'app → the preload script (only its API contract)',
    'main/app/window.ts',
    "import '../../preload/preload';\n",
    /never another front end/,
  ],
  [
    'require() into app',
    'main/cli/commands/models.ts',
    "export const tray = require('../../app/tray');\n",
    /never another front end/,
  ],
  [
    'require() into the core beyond the facade',
    'main/app/tray.ts',
    "export const rule = require('../core/rule/wire');\n",
    /only the facade/,
  ],
  [
    'require() of a computed path',
    'main/app/tray.ts',
    "const where = '../core/rule/wire';\nexport const rule = require(where);\n",
    /literal path/,
  ],
  [
    'import x = require() into the core',
    'main/cli/commands/run.ts',
    "import engine = require('../../core/workflow/engine');\nexport const e = engine;\n",
    /only the facade/,
  ],
  [
    'a type import from the core beyond the facade',
    'main/app/bridge-validate.ts',
    "import type { LoadedConfig } from '../core/config/load';\nexport type C = LoadedConfig;\n",
    /only the facade/,
  ],
  [
    'a type re-export from the core beyond the facade',
    'main/app/tray-model.ts',
    "export type { HistoryStore } from '../core/history';\n",
    /only the facade/,
  ],
  [
    'export * from the core beyond the facade',
    'main/cli/terminal.ts',
    "export * from '../core/units/duration';\n",
    /only the facade/,
  ],
  [
    'typeof import() of the core beyond the facade',
    'main/app/app.ts',
    "export type Watch = typeof import('../core/aws/watch');\n",
    /only the facade/,
  ],
  [
    'a dynamic import() of the core beyond the facade',
    'main/cli/commands/aws.ts',
    "export const watch = import('../../core/aws/watch');\n",
    /only the facade/,
  ],
  [
    'a dynamic import() of a computed path',
    'main/cli/commands/aws.ts',
    "const where = '../../core/aws/watch';\nexport const watch = import(where);\n",
    /literal path/,
  ],
  [
    'a path that goes through another folder and back',
    'main/cli/commands/run.ts',
    "import { HistoryStore } from '../../cli/../core/history';\nvoid HistoryStore;\n",
    /normalized/,
  ],
  [
    'a path that starts ./..',
    'main/app/tray.ts',
    "import { x } from './../core/rule';\nvoid x;\n",
    /normalized/,
  ],
  [
    'a CLI exception used by another file (they are per file)',
    'main/cli/commands/run.ts',
    "import type { HistoryStore } from '../../core/history';\nexport type H = HistoryStore;\n",
    /only the facade/,
  ],
  [
    "a CLI exception's file importing another module (they are per module)",
    'main/cli/commands/models.ts',
    "import type { HistoryStore } from '../../core/history';\nexport type W = HistoryStore;\n",
    /only the facade/,
  ],
  [
    'a CLI exception file still refusing electron',
    'main/cli/context.ts',
    "import { app } from 'electron';\nvoid app;\n",
    /Electron-free/,
  ],
];

const allowed: [what: string, file: string, text: string][] = [
  [
    'electron in main/app',
    'main/app/tray.ts',
    "import { app, type App } from 'electron';\nexport const a: App = app;\n",
  ],
  [
    "typeof import('electron') in main/app",
    'main/app/tray.ts',
    "export type E = typeof import('electron');\n",
  ],
  [
    'electron in the preload bridge',
    'preload/preload.ts',
    "import { contextBridge, ipcRenderer } from 'electron';\nvoid contextBridge;\nipcRenderer.invoke('x');\n",
  ],
  [
    'raw ipcMain in the main-side bridge',
    'main/app/ipc.ts',
    "declare const ipcMain: { handle(c: string): void };\nipcMain.handle('x');\n",
  ],
  [
    'the core importing its own layers',
    'main/core/aws/x.ts',
    "import { x } from '../vocabulary';\nimport { y } from '../../core/units';\nimport { z } from './app';\nvoid [x, y, z];\n",
  ],
  [
    'the bottom layers importing the vocabulary and themselves',
    'main/core/platform/x.ts',
    "import type { JsonSchema } from '../vocabulary';\nimport { y } from './proc-info';\nexport type S = JsonSchema;\nvoid y;\n",
  ],
  [
    'front ends importing the core',
    'main/cli/commands/run.ts',
    "import { openOffload } from '../../core/offload';\nvoid openOffload;\n",
  ],
  [
    'the renderer importing the shared formatter',
    'renderer/format.ts',
    "export { formatDuration } from '../main/core/format';\n",
  ],
  [
    'the core building its parts',
    'main/core/offload.ts',
    'declare class Engine { constructor(o: object) }\ndeclare class Notifier {}\ndeclare function createMachineWatch(): void;\ndeclare function createAwsWatch(): void;\nnew Engine({});\nnew Notifier();\ncreateMachineWatch();\ncreateAwsWatch();\n',
  ],
  [
    'main/app importing the facade, state, vocabulary, format and the bridge contract',
    'main/app/app.ts',
    "import { createOffload } from '../core/offload';\nimport type { OffloadState } from '../core/state';\nimport { PHASES } from '../core/vocabulary';\nimport { attention } from '../core/format';\nimport type { ViewTarget } from '../../preload/api';\nexport type X = [OffloadState, ViewTarget];\nvoid [createOffload, PHASES, attention];\n",
  ],
  [
    'a renderer section importing format, the vocabulary, state types and the bridge contract',
    'renderer/sections/aws.ts',
    "import { gateWord } from '../../main/core/format';\nimport { STATUS_ICON } from '../../main/core/vocabulary/rule';\nimport type { OffloadState } from '../../main/core/state';\nimport type { OffloadApi } from '../../preload/api';\nimport { el } from '../dom';\nexport type X = [OffloadState, OffloadApi];\nvoid [gateWord, STATUS_ICON, el];\n",
  ],
  [
    'a node: module loaded on first use in main/app',
    'main/app/tray-platform.ts',
    "export const cp = import('node:child_process');\n",
  ],
];

/** The front ends as they are: the allowlist holds with only the listed CLI exceptions. */
describe('front-end import allowlist', () => {
  it('the front ends of the tree pass it', async () => {
    const results = await eslint.lintFiles(['main/app', 'main/cli', 'renderer', 'preload']);
    const errors = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId && BOUNDARY_RULES.has(m.ruleId))
        .map((m) => `${path.relative(root, r.filePath)}:${m.line}:${m.column} ${m.message}`),
    );
    expect(errors).toEqual([]);
  }, 120_000); // the whole front-end tree through typescript-eslint

  it('each CLI exception is still needed (the list only shrinks)', async () => {
    const config: { CLI_NOT_YET_BEHIND_FACADE: [string, string, string][] } = await import(
      pathToFileURL(path.join(root, 'eslint.config.mjs')).href
    );
    const { CLI_NOT_YET_BEHIND_FACADE } = config;
    // All gone: the CLI reaches the core through the facade, state.ts, the vocabulary and format only.
    expect(CLI_NOT_YET_BEHIND_FACADE).toEqual([]);
    for (const [file, mod] of CLI_NOT_YET_BEHIND_FACADE) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      expect(text, `${file} no longer imports core/${mod}: delete its entry`).toContain(`core/${mod}'`);
    }
  });
});

describe('lint boundaries (eslint.config.mjs)', () => {
  it.each(violations)('refuses %s', async (_what, file, text, message) => {
    const errors = await boundaryErrors(file, text);
    expect(errors.length, `${file}:\n${text}`).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it.each(allowed)('allows %s', async (_what, file, text) => {
    expect(await boundaryErrors(file, text)).toEqual([]);
  });
});
