/**
 * `offload journal [--since DURATION] [--json]`: what the rule, the watches and the user did, oldest first —
 * gate changes with the observations behind them, model servers stopped and how, memory freed, switches,
 * verifications, offers, local and CloudWatch errors, machine pressure.
 */
import type { Command } from 'commander';
import { durationMs } from '../../core/offload';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, reasonText } from '../terminal';

export function registerJournalCommand(program: Command, ctx: CliContext): void {
  program
    .command('journal')
    .description('what the rule did and why: gate changes, stops, switches, verifications, errors, pressure')
    .option('--since <duration>', 'only entries of the last DURATION (30m, 2h, 1d)')
    .option('-n, --limit <n>', 'read at most the last N entries', '2000')
    .option('--json', 'print as JSON')
    .action(async (opts: { since?: string; limit: string; json?: boolean }) => {
      const term = ctx.term();
      let sinceMs: number | undefined;
      try {
        sinceMs = opts.since === undefined ? undefined : Date.now() - durationMs(opts.since, 0, '--since');
      } catch (err) {
        term.err.write(`offload: ${(err as Error).message}\n`);
        ctx.exit(EXIT.usage);
        return;
      }
      const limit = Number.parseInt(opts.limit, 10);
      const core = await ctx.openCore();
      const lines = core.journal({ sinceMs, limit: Number.isFinite(limit) && limit > 0 ? limit : 2000 });
      if (opts.json) return printJson(term, lines);
      if (lines.length === 0) {
        term.out.write(
          `nothing in the journal${opts.since ? ` in the last ${opts.since}` : ''}: it fills while \`offload watch\` or the tray runs\n`,
        );
        return;
      }
      // Entries quote log lines and AWS reasons: shown on one line each, never obeyed.
      for (const l of lines) term.out.write(`${term.dim(l.at)}  ${reasonText(l.text)}\n`);
    });
}
