/**
 * `offload cost [--days N] [--json]`: what AWS actually billed for the project's tagged resources over the
 * last days (Cost Explorer, delayed up to 24 h, cached an hour because each request is billed), per day and
 * per service; a Cost Explorer that is not enabled or is denied is said plainly (exit 1).
 */
import { CommanderError, type Command } from 'commander';
import type { ActualCost } from '../../core/state';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, reasonText } from '../terminal';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const day = (ymd: string) => {
  const [, m, d] = ymd.split('-').map(Number);
  return m && d ? `${MONTHS[m - 1]} ${d}` : ymd;
};
const usd = (n: number) => `$${n.toFixed(2)}`;

/** The actual cost as lines: the days with their totals, the total, then each service, or the problem. */
export function formatActualCost(c: ActualCost): string {
  const head = `Actual (Cost Explorer, delayed ≤24 h) for ${c.tag.key}=${c.tag.value}`;
  if (c.problem) return `${head}: not available — ${c.problem}\n`;
  const days = c.daily.map((d) => `${day(d.date)} ${usd(d.usd)}${d.estimated ? '*' : ''}`).join(' · ');
  const lines = [`${head}: ${days || 'no days'} … total ${usd(c.total)}`];
  if (c.services.length)
    lines.push(`by service: ${c.services.map((s) => `${s.service} ${usd(s.usd)}`).join(', ')}`);
  if (c.daily.some((d) => d.estimated)) lines.push('* estimated by AWS: may still change');
  if (c.note) lines.push(`note: ${c.note}`);
  lines.push(
    c.source === 'cache'
      ? `(asked at ${c.fetchedAt}; kept an hour: each Cost Explorer request costs $0.01)`
      : `(asked Cost Explorer at ${c.fetchedAt}: $0.01 per request; reused for an hour)`,
  );
  return lines.join('\n') + '\n';
}

export function registerCostCommand(program: Command, ctx: CliContext): void {
  program
    .command('cost')
    .description(
      'what AWS actually billed for resources tagged offload:project=<project>, per day and service (Cost Explorer: delayed up to 24 h, $0.01 per request, cached an hour)',
    )
    .option('--days <n>', 'how many whole days before today (default 7, at most 90)')
    .option('--json', 'print as JSON')
    .action(async (opts: { days?: string; json?: boolean }) => {
      const term = ctx.term();
      const days = opts.days === undefined ? 7 : Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 90) {
        term.err.write(`offload cost: --days must be a whole number from 1 to 90, got ${opts.days}\n`);
        ctx.exit(EXIT.usage);
        throw new CommanderError(EXIT.usage, 'offload.usage', 'bad --days');
      }
      const core = await ctx.openCore();
      const c = await core.actualCost({ days });
      if (opts.json) printJson(term, c);
      else term.out.write(formatActualCost(c).split('\n').map(reasonText).join('\n'));
      ctx.exit(c.problem ? EXIT.failed : EXIT.passed);
    });
}
