/**
 * The steps of opening a folder, each small: load offload.yml (or say what is wrong with it), the machine
 * watch the project's trust allows, the remembered project folder, and a step log read through validated ids.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/types';
import { createMachineWatch, parseModelsConfig, parseWatchConfig, type MachineWatch } from '../machine';
import { PRIVATE_FILE, readPrivateFile, writeFileAtomic } from '../platform/atomic-file';
import { openProject, type OpenedProject } from '../project';
import type { ConfigProblem } from '../vocabulary';
import { PHASES, type PhaseId } from '../workflow/types';

/** The project in `dir`, or the problems that keep it from opening (thrown instead when `strict`). */
export function tryOpenProject(
  dir: string | null,
  o: { configPath?: string; dataDir: string; env: NodeJS.ProcessEnv; strict?: boolean },
): { project: OpenedProject | null; configProblems: ConfigProblem[] } {
  if (!dir) return { project: null, configProblems: [] };
  try {
    return {
      project: openProject({ cwd: dir, configPath: o.configPath, dataDir: o.dataDir, env: o.env }),
      configProblems: [],
    };
  } catch (err) {
    if (o.strict) throw err;
    if (err instanceof ConfigError) return { project: null, configProblems: err.problems };
    const file = path.join(dir, 'offload.yml');
    return {
      project: null,
      configProblems: [{ file, line: 1, column: 1, path: '', message: (err as Error).message }],
    };
  }
}

/**
 * The machine watch works with or without a project (defaults, or the project's thresholds); the project's
 * own matchers decide which processes may be stopped, so they count only once the project is trusted.
 */
export function machineWatchFor(
  project: OpenedProject | null,
  trusted: boolean,
  env: NodeJS.ProcessEnv,
): MachineWatch {
  const models = project?.config.models ?? parseModelsConfig(undefined);
  return createMachineWatch({
    env,
    watch: project?.config.watch ?? parseWatchConfig(undefined),
    models: trusted ? models : { ...models, matchers: [] },
  });
}

interface Settings {
  projectDir?: string;
}

/** The user's settings (the remembered project folder) in the data folder. */
export class SettingsFile {
  private readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }
  read(): Settings {
    try {
      return JSON.parse(readPrivateFile(this.file).toString('utf8')) as Settings; // 0600 re-tightened
    } catch {
      return {};
    }
  }
  write(s: Settings): void {
    writeFileAtomic(this.file, JSON.stringify(s, null, 2), PRIVATE_FILE);
  }
}

/** A step's log, its ids checked first (they come from a front end). */
export function readStepLog(project: OpenedProject, runId: string, phase: PhaseId, step: string): string {
  if (!/^[\w.-]+$/.test(runId) || !PHASES.includes(phase) || !/^[\w.-]+$/.test(step)) {
    throw new Error('invalid run, phase or step id');
  }
  const file = project.history.stepLogPath(runId, phase, step);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}
