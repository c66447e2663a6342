/**
 * The boundaries of ARCHITECTURE.md are lint rules (eslint.config.mjs); a rule is only real if a violating
 * file fails it. Each snippet is linted as if it stood at a path in the tree (nothing is written).
 */
import path from 'node:path';
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
];

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
