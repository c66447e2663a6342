/** What every command needs: global options, the terminal, and the core opened on the project. */
import type { Command } from 'commander';
import {
  createOffload,
  findConfig,
  resolveDataDir,
  type Offload,
  type OffloadOptions,
} from '../core/offload';
import { makeTerm, type Term } from './terminal';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  color?: boolean;
}

/** What a command starts: nothing (one-shot, the default) or the watches and the rule (`offload watch`). */
export type CoreStart = Pick<OffloadOptions, 'watch' | 'desktopNotifications' | 'log' | 'fingerprintSoon'> & {
  /** Without an offload.yml, open with no project (the machine watch's defaults) instead of failing. */
  projectOptional?: boolean;
};

export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals(): GlobalOptions;
  term(): Term;
  /**
   * Opens the project through the core's one entry point (a broken or missing offload.yml throws ConfigError;
   * the entry point turns it into exit code 2). The core is disposed when the command ends.
   */
  openCore(start?: CoreStart): Promise<Offload>;
  dataDir(): string;
  /** Sets the process exit code (the entry point exits with it when the command is done). */
  exit(code: number): void;
  exitCode: number;
  /** Disposes what the command opened (called by the entry point). */
  close(): Promise<void>;
}

export function makeContext(program: Command, env: NodeJS.ProcessEnv, cwd: string): CliContext {
  const opened: Offload[] = [];
  const ctx: CliContext = {
    env,
    cwd,
    exitCode: 0,
    globals: () => program.opts<GlobalOptions>(),
    term: () => makeTerm({ env, colorFlag: program.opts<GlobalOptions>().color }),
    openCore: async (start = {}) => {
      const g = program.opts<GlobalOptions>();
      const { projectOptional, ...rest } = start;
      let projectDir: string | null = cwd;
      if (projectOptional && !g.config && !findConfig(cwd)) projectDir = null;
      const core = await createOffload({
        projectDir,
        configPath: g.config,
        dataDir: g.dataDir,
        env,
        watch: false,
        strictConfig: true,
        ...rest,
      });
      opened.push(core);
      return core;
    },
    dataDir: () => resolveDataDir(program.opts<GlobalOptions>().dataDir, env),
    exit: (code: number) => {
      ctx.exitCode = code;
    },
    close: async () => {
      for (const c of opened.splice(0)) await c.dispose();
    },
  };
  return ctx;
}
