/**
 * `offload errors [--json] [--copy]`: the latest CloudWatch (and local log) errors as Markdown for an issue or
 * an assistant — the lines around each error in its stream, the deployment it happened after, service events, alarm reasons,
 * console links, secrets masked.
 */
import type { Command } from 'commander';
import { copyToClipboard } from '../../core/offload';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, stepText } from '../terminal';

export function registerErrorsCommand(program: Command, ctx: CliContext): void {
  program
    .command('errors')
    .description(
      'the latest CloudWatch and local log errors with their context, as Markdown to paste into an issue',
    )
    .option('--json', 'print { markdown, phase6 } as JSON')
    .option('--copy', 'also copy the Markdown to the clipboard')
    .action(async (opts: { json?: boolean; copy?: boolean }) => {
      const term = ctx.term();
      const core = await ctx.openCore();
      const markdown = await core.errorContext();
      if (opts.json) printJson(term, { markdown, phase6: core.state().phase6 ?? null });
      // CloudWatch lines are anyone's text: shown on the terminal, never obeyed (the copy keeps them as they are).
      else term.out.write(stepText(term, markdown));
      if (opts.copy) {
        const r = await copyToClipboard(markdown, ctx.env);
        if (r.ok) term.err.write(`copied to the clipboard (${r.via})\n`);
        else {
          term.err.write(`offload: not copied: ${r.reason}\n`);
          ctx.exit(EXIT.failed);
        }
      }
    });
}
