/**
 * `offload errors [--json] [--copy]`: the latest CloudWatch (and local log) errors as Markdown for an issue or
 * an assistant — the lines around each error in its stream, the deployment it happened after, service events, alarm reasons,
 * console links, secrets masked.
 */
import type { Command } from 'commander';
import { copyToClipboard } from '../../core/offload';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, reasonText, stepText } from '../terminal';
import type { Offload } from '../../core/offload';

export function registerErrorsCommand(program: Command, ctx: CliContext): void {
  program
    .command('errors')
    .description(
      'the latest CloudWatch and local log errors with their context, as Markdown to paste into an issue',
    )
    .option('--json', 'print { markdown, phase6 } as JSON')
    .option('--copy', 'also copy the Markdown to the clipboard')
    .option('--ack', 'the cause is resolved: restart the quiet period of phase 6 without redeploying')
    .action(async (opts: { json?: boolean; copy?: boolean; ack?: boolean }) => {
      const term = ctx.term();
      const core = await ctx.openCore();
      if (opts.ack) return acknowledge(ctx, core, Boolean(opts.json));
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

/** `offload errors --ack`: phase 6 watches the same deployment again from now; refused with the reason. */
async function acknowledge(ctx: CliContext, core: Offload, json: boolean): Promise<void> {
  const term = ctx.term();
  let p6;
  try {
    p6 = await core.acknowledgePhase6('cli');
  } catch (err) {
    term.err.write(`offload: not acknowledged: ${reasonText((err as Error).message)}\n`);
    ctx.exit(EXIT.failed);
    return;
  }
  if (json) return printJson(term, { phase6: p6 });
  const d = p6.deployment ? ` ${reasonText(p6.deployment.summary)}` : '';
  term.out.write(
    `acknowledged: phase 6 watches${d || ' the deployment'} again; ${p6.status === 'watching' ? `quiet until ${p6.quietUntil}` : p6.status}\n`,
  );
}
