/**
 * Opening a project: find offload.yml, load and validate it against the registry, and open its history.
 * Shared by the CLI and the facade so both see the same project the same way.
 */
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { checkThenExplain, findConfig, loadConfig, usePrecompiledValidator } from './config';
import { loadConfigKept } from './config/config-cache';
import { ConfigError, type OffloadConfig } from './config/types';
import { HistoryStore } from './history';
import { appDataDir } from './platform/app-data';
import { BUILD_ID } from './platform/build-id';
import { CONFIG_SECTIONS, STEP_KINDS } from './registry';
import { trustDigest } from './trust/digest';

export interface OpenedProject {
  config: OffloadConfig;
  history: HistoryStore;
  dataDir: string;
}

/** Where Offload keeps its data: `--data-dir`, else OFFLOAD_HOME, else the platform's app-data folder. */
export function resolveDataDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ? path.resolve(explicit) : appDataDir(env);
}

/** Finds offload.yml from `cwd` upward unless `configPath` names it; throws ConfigError when absent. */
export function locateConfig(configPath: string | undefined, cwd: string): string {
  if (configPath) return path.resolve(cwd, configPath);
  const found = findConfig(cwd);
  if (!found) {
    throw new ConfigError([
      {
        file: path.join(cwd, 'offload.yml'),
        line: 0,
        column: 0,
        path: '',
        message:
          'does not exist (nor does one in any folder above); create one with `offload init` in the project folder, or pass --config PATH',
      },
    ]);
  }
  return found;
}

let precompiledTried = false;

/**
 * Uses the validators `npm run build` writes beside the bundle when this code runs from a build: the fast check
 * (dist/config-check.js) decides, the full one (dist/config-validator.js) is loaded only to explain a failure.
 */
export function usePrecompiled(): void {
  if (precompiledTried) return;
  precompiledTried = true;
  for (const dir of [__dirname, path.join(__dirname, '..', '..')]) {
    try {
      const load = (name: string): ValidateFunction => {
        const mod = require(path.join(dir, name));
        return mod.default ?? mod;
      };
      const check = load('config-check.js');
      let full: ValidateFunction | undefined;
      const validate = checkThenExplain(check, () => (full ??= load('config-validator.js')));
      usePrecompiledValidator({ stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS }, validate);
      return;
    } catch {
      // not built (tests run from source): the validator is compiled on first use instead
    }
  }
}

/** What Offload writes itself is not source: the config switch's files and a data folder inside the project. */
export function fingerprintExclusions(config: OffloadConfig, dataDir: string): string[] {
  return [...config.switch.files.map((f) => f.path), dataDir];
}

/** Loads and validates the config (throws ConfigError with every problem) and opens its history. */
export function openProject(opts: {
  configPath?: string;
  cwd?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}): OpenedProject {
  const env = opts.env ?? process.env;
  const file = locateConfig(opts.configPath, opts.cwd ?? process.cwd());
  const dataDir = resolveDataDir(opts.dataDir, env);
  const config = loadConfigKept(
    file,
    dataDir,
    () => {
      usePrecompiled();
      const loaded = loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
      // kept with the model: a command on an unchanged offload.yml does not hash it again
      loaded.trustDigest = trustDigest(loaded);
      return loaded;
    },
    { build: BUILD_ID, stepKinds: STEP_KINDS },
  );
  config.fingerprintExclude = fingerprintExclusions(config, dataDir);
  const history = new HistoryStore({
    dataDir,
    project: { name: config.name, dir: config.dir },
    keep: config.history.keep,
    maxBytes: config.history.maxBytes,
  });
  return { config, history, dataDir };
}
