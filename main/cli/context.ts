/** What every command needs: global options, the terminal, and a way to open the project. */
import type { Command } from 'commander';
import { openProject, resolveDataDir, type OpenedProject } from '../core/project';
import { makeTerm, type Term } from './terminal';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  color?: boolean;
}

export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals(): GlobalOptions;
  term(): Term;
  /** Opens the project (throws ConfigError; the entry point turns it into exit code 2). */
  open(): OpenedProject;
  dataDir(): string;
  /** Sets the process exit code (the entry point exits with it when the command is done). */
  exit(code: number): void;
  exitCode: number;
}

export function makeContext(program: Command, env: NodeJS.ProcessEnv, cwd: string): CliContext {
  const ctx: CliContext = {
    env,
    cwd,
    exitCode: 0,
    globals: () => program.opts<GlobalOptions>(),
    term: () => makeTerm({ env, colorFlag: program.opts<GlobalOptions>().color }),
    open: () => {
      const g = program.opts<GlobalOptions>();
      return openProject({ configPath: g.config, cwd, dataDir: g.dataDir, env });
    },
    dataDir: () => resolveDataDir(program.opts<GlobalOptions>().dataDir, env),
    exit: (code: number) => {
      ctx.exitCode = code;
    },
  };
  return ctx;
}
