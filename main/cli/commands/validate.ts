/** `offload validate`: checks offload.yml against the schema and the rule; exit 2 with every problem. */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson } from '../terminal';
import { ConfigError, formatProblem } from '../../core/vocabulary';

export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check offload.yml (schema, step kinds, phases, interpolation) without running anything')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const term = ctx.term();
      let core;
      try {
        core = await ctx.openCore();
      } catch (err) {
        // --json: a script reads the problems from stdout, as it reads a valid result (exit 2 all the same)
        if (!opts.json || !(err instanceof ConfigError)) throw err;
        printJson(term, { valid: false, problems: err.problems });
        ctx.exit(EXIT.usage);
        return;
      }
      const config = core.config()!;
      const steps = Object.values(config.phases).reduce((n, p) => n + p.steps.length, 0);
      if (opts.json) {
        printJson(term, {
          valid: true,
          file: config.file,
          name: config.name,
          phases: Object.fromEntries(
            Object.values(config.phases).map((p) => [p.id, p.steps.map((s) => s.id)]),
          ),
          workflows: config.workflows,
          warnings: config.warnings ?? [],
        });
        return;
      }
      for (const w of config.warnings ?? []) term.err.write(`${term.yellow('⚠')} ${formatProblem(w)}\n`);
      term.out.write(
        `${term.green('✅')} ${config.file} is valid: project "${config.name}", ${steps} step${steps === 1 ? '' : 's'}\n`,
      );
      for (const [name, phases] of Object.entries(config.workflows)) {
        term.out.write(`   ${name.padEnd(15)} ${phases.join(' → ')}\n`);
      }
    });
}
