/**
 * The `offload` command line: the same core as the tray app, so the rule also works in a terminal and in CI.
 * Exit codes: 0 passed, 1 failed, 2 config or usage error, 130 cancelled.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, problemPlace } from '../core/vocabulary';
import { visibleText } from '../core/format';
import { makeContext } from './context';
import { keptConfigRenewed } from '../core/offload';
import { EXIT } from './exit-codes';
import { registerHistoryCommand } from './commands/history';
import { registerRunCommand } from './commands/run';
import { registerStatusCommand } from './commands/status';
import { registerTrustCommand } from './commands/trust';
import { registerValidateCommand } from './commands/validate';
import { makeTerm } from './terminal';
import { detectCi } from './ci/platform';
import { workflowCommand } from './ci/github';
import path from 'node:path';

export { redirectStdStreams } from './std-streams';

const VERSION = '0.1.0';

/**
 * Whether this command took the path the same command takes next time: not when it parsed offload.yml and kept
 * its model (the file or Offload's build had changed), as the next one loads that model instead. bin/offload.js
 * makes the command's code cache only from such a run, so the cache holds what the command usually runs.
 */
export function usualPath(): boolean {
  return !keptConfigRenewed();
}

type Registrar = (program: Command, ctx: ReturnType<typeof makeContext>) => void;

/**
 * Each registrar with the top-level commands it defines (a test holds this to what it defines), in help's order.
 * The daily commands are in the CLI's main file (its code cache covers them); the others are parts of the CLI,
 * loaded when named or for help (scripts/cli-parts.mjs).
 */
export const REGISTRARS: readonly (readonly [
  names: readonly string[],
  load: () => Registrar | Promise<Registrar>,
])[] = [
  [['run'], () => registerRunCommand],
  [['status'], () => registerStatusCommand],
  [['history'], () => registerHistoryCommand],
  [['errors'], async () => (await import('./commands/errors')).registerErrorsCommand],
  [['journal'], async () => (await import('./commands/journal')).registerJournalCommand],
  [['validate'], () => registerValidateCommand],
  [['init'], async () => (await import('./commands/init')).registerInitCommand],
  [['trust'], () => registerTrustCommand],
  [['ci'], async () => (await import('./commands/ci')).registerCiCommand],
  [['team', 'unlock'], async () => (await import('./commands/team')).registerTeamCommands],
  [['cost'], async () => (await import('./commands/cost')).registerCostCommand],
  [
    ['models', 'aws', 'watch', 'switch'],
    async () => (await import('./commands/extensions')).registerExtensionCommands,
  ],
];

/**
 * Runs the command `argv` names. `named`: that command, as bin/offload.js read it from `argv`
 * (bin/code-cache.js commandNamed; null where it names none): only it is defined. Not given, every command is.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  named?: string | null,
): Promise<number> {
  const program = new Command('offload')
    .description(
      'Build and test locally, deploy to AWS, verify, then shut local models down — the rule, enforced.',
    )
    .version(VERSION)
    .option('-c, --config <path>', 'offload.yml to use (default: found from the current folder upward)')
    .option('--data-dir <path>', 'where run history is kept (default: OFFLOAD_HOME or the app-data folder)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .showHelpAfterError('(run `offload --help` for usage)')
    .exitOverride();
  const ctx = makeContext(program, env, cwd);
  // The command named is the only one defined (commander parses it the same); help, a mistyped or no command
  // get them all. Defining all seventeen costs every command ~1.5 ms and its allocations (issue 20).
  const only = REGISTRARS.find(([names]) => typeof named === 'string' && names.includes(named));
  for (const [, load] of only ? [only] : REGISTRARS) (await load())(program, ctx);
  for (const c of program.commands) c.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    const term = makeTerm({ env });
    if (err instanceof CommanderError) {
      // Help and --version are not errors; everything else commander rejects is a usage error.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.passed;
      }
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      // A problem quotes the project's keys and values: shown, never obeyed (escapes, bidi, line breaks).
      const shown = (s: string) => visibleText(s, { newlines: false });
      const github = detectCi(env)?.id === 'github';
      for (const p of err.problems) {
        // On GitHub Actions each problem is also an annotation at its line (stdout: the runner reads commands there).
        if (github)
          term.out.write(
            workflowCommand('error', `${p.path ? p.path + ': ' : ''}${p.message}`, {
              title: 'offload.yml',
              file: path
                .relative(env.GITHUB_WORKSPACE ?? cwd, p.file)
                .split(path.sep)
                .join('/'),
              ...(p.line > 0 ? { line: p.line, col: p.column } : {}),
            }) + '\n',
          );
        term.err.write(
          `${term.red('error')} ${shown(problemPlace(p))}: ${p.path ? shown(p.path) + ': ' : ''}${shown(p.message)}\n`,
        );
      }
      term.err.write(
        `offload: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} in the config; nothing was run\n`,
      );
      return EXIT.usage;
    }
    term.err.write(`offload: ${visibleText(err instanceof Error ? err.message : String(err))}\n`);
    if (env.OFFLOAD_DEBUG && err instanceof Error && err.stack) term.err.write(err.stack + '\n');
    return EXIT.failed;
  } finally {
    await ctx.close();
  }
}
