/**
 * `offload team [--json]`: the team's view from its bucket — the last deploy of each environment (who, when,
 * which commit, from where), who holds the deploy lock, and teammates' recent failed runs. `offload unlock`: forces the environment's deploy
 * lock open (the holder's run is gone), as `terraform force-unlock` does.
 */
import type { Command } from 'commander';
import type { TeamView } from '../../core/state';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, reasonText } from '../terminal';

/** The view as lines for a terminal (pure, for tests). */
export function teamLines(v: TeamView): string[] {
  const lines = [`team evidence: ${v.evidence}`];
  if (v.unreachable) lines.push(`team evidence unreachable: ${v.unreachable}`);
  const l = v.lock;
  lines.push(
    l
      ? `${v.environment} locked by ${l.who} at ${l.where} since ${l.since} (${l.workflow}, run ${l.runId})${l.stale ? ` — stale: its lease ended ${l.leaseUntil}; the next run takes it over` : `, lease until ${l.leaseUntil}`}`
      : v.unreachable
        ? `${v.environment}: lock unknown`
        : `${v.environment}: not locked`,
  );
  if (!v.lastDeploys.length && !v.unreachable) lines.push('no deploy recorded yet');
  for (const d of v.lastDeploys) {
    const commit = d.commit ? ` commit ${d.commit.slice(0, 12)}` : '';
    const as = d.awsIdentity ? ` (${d.awsIdentity})` : '';
    lines.push(
      `last deploy to ${d.environment}: ${d.status} by ${d.who}${as} at ${d.where}, ${d.at}${commit} (${d.workflow}, run ${d.runId})`,
    );
    for (const item of d.deployed) lines.push(`  ${item}`);
  }
  for (const f of v.failedRuns ?? []) {
    const phase = f.failedPhase ? ` in ${f.failedPhase}` : '';
    const commit = f.commit ? ` commit ${f.commit.slice(0, 12)}` : '';
    lines.push(
      `failed run by ${f.who} at ${f.where}, ${f.at}: ${f.workflow}${phase} (${f.environment}${commit}, run ${f.runId})`,
    );
  }
  for (const s of v.skipped) lines.push(`skipped ${s}`);
  return lines.map(reasonText);
}

export function registerTeamCommands(program: Command, ctx: CliContext): void {
  program
    .command('team')
    .description(
      "the team's last deploy of each environment, who holds the deploy lock, teammates' failed runs (offload.yml `team:`)",
    )
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const term = ctx.term();
      const core = await ctx.openCore();
      const view = await core.team();
      if (!view) {
        term.err.write(
          'offload: offload.yml has no `team:` section (team: { evidence: s3://bucket/prefix })\n',
        );
        ctx.exit(EXIT.usage);
        return;
      }
      if (opts.json) return printJson(term, view);
      for (const line of teamLines(view)) term.out.write(`${line}\n`);
      if (view.unreachable) ctx.exit(EXIT.failed);
    });
  program
    .command('unlock')
    .description("force the team's deploy lock of this project's environment open (its holder's run is gone)")
    .action(async () => {
      const term = ctx.term();
      const core = await ctx.openCore();
      try {
        const held = await core.unlockTeam();
        term.out.write(held ? `unlocked; it was held by: ${reasonText(held)}\n` : 'not locked\n');
      } catch (err) {
        term.err.write(`offload: ${reasonText((err as Error).message)}\n`);
        ctx.exit(EXIT.failed);
      }
    });
}
