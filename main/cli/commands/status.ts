/** `offload status`: the project, which entry points its gates allow now (and why not), and the last run. */
import type { Command } from 'commander';
import { costDetails, costReliefLine, GATE_ICON, reliefLines, workflowLabel } from '../../core/format';
import type { CostSummary, DriftState, ReliefSummary } from '../../core/vocabulary';
import type { CliContext } from '../context';
import type { MachinePressure } from '../../core/state';
import { formatBytes, printJson, reasonText, type Term } from '../terminal';
import { printRun } from './history';

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show the project, what its gates allow now, and the last run')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const term = ctx.term();
      const core = await ctx.openCore({ fingerprintSoon: true });
      const [config, history, dataDir] = [core.config()!, core.history()!, core.dataDir()];
      // the machine's process scan runs while git does the fingerprint's stat pass
      const [workflows, machine] = await Promise.all([core.availability(), core.machineNow()]);
      const lastRun = history.latestRun();
      const { phase6, drift, relief } = core.overview();
      // While a watch runs (tray or `offload watch`), its live gate; a one-shot status asks AWS nothing.
      const live = core.liveAws();
      // The kept estimate; AWS is asked only when it is 15 minutes old or a deploy happened since.
      const cost = await core.cost();
      if (opts.json) {
        return printJson(term, {
          project: { name: config.name, dir: config.dir, configFile: config.file },
          dataDir,
          workflows,
          aws: live,
          phase6: phase6 ?? null,
          drift: drift ?? null,
          machine,
          relief: relief ?? null,
          cost,
          lastRun,
        });
      }
      term.out.write(`${term.bold(config.name)}  ${term.dim(config.file)}\n`);
      term.out.write(term.dim(`history in ${dataDir}\n\n`));
      for (const w of workflows) {
        const mark = w.allowed ? term.green('▶ allowed ') : term.red('⛔ blocked ');
        term.out.write(
          `${mark} ${w.name.padEnd(15)} ${workflowLabel(w.name)} ${term.dim(`(${w.phases.join(' → ')})`)}\n`,
        );
        if (!w.allowed && w.reason) term.out.write(term.dim(`             ${w.reason}\n`));
      }
      term.out.write('\n');
      if (live) {
        const icon = GATE_ICON[live.gate];
        term.out.write(
          `${icon} AWS ${live.gate}${live.reason && live.gate !== 'ready' ? ` — ${live.reason}` : ''}${live.live ? term.dim(` (live, watch pid ${live.live.pid})`) : ''}\n`,
        );
      }
      if (phase6 && phase6.status !== 'idle') {
        const d = phase6.deployment ? ` — ${phase6.deployment.summary}` : '';
        if (phase6.status === 'stable')
          term.out.write(`${term.green('✅')} stable since ${phase6.since}${d}\n`);
        else if (phase6.status === 'watching')
          term.out.write(`⏳ watching the deployment until ${phase6.quietUntil} (quiet period)${d}\n`);
        else if (phase6.status === 'unobserved')
          term.out.write(`⏳ ${phase6.reason ?? 'not observed'}${d}\n`);
        else
          term.out.write(
            `${term.red('❌')} unstable since ${phase6.since}: ${phase6.firstError?.message ?? ''}${d}\n   fix it, then \`offload run services\` (local must pass on the new source first); a transient cause that is resolved: \`offload errors --ack\`\n`,
          );
      }
      if (drift) printDrift(term, drift);
      printMachine(term, machine);
      printCostAndRelief(term, cost, relief ?? null);
      term.out.write('\n');
      if (lastRun) printRun(term, lastRun);
      else
        term.out.write(
          'no runs yet: start with `offload run local` (build and tests here), then `offload run full`\n',
        );
    });
}

/** The machine's pressure now, and the model servers behind it with the rule's action. */
function printMachine(term: Term, m: MachinePressure): void {
  const alerting = m.alerts.length > 0;
  term.out.write(
    `${alerting ? term.yellow('⚠') : '🖥'} machine: RAM ${m.ram.usedPct}% of ${formatBytes(m.ram.totalBytes)}, CPU ${m.cpu.loadPct}% of ${m.cpu.cores} core${m.cpu.cores === 1 ? '' : 's'}${alerting ? '' : term.dim(' — no pressure alert')}\n`,
  );
  for (const a of m.alerts) term.out.write(`   ${reasonText(a.message)}\n`);
  if (!alerting && m.advice) term.out.write(term.dim(`   ${reasonText(m.advice)}\n`));
}

/**
 * What AWS costs and what offloading freed, on one line where both are known ("AWS ≈ $0.42/h since 09:12
 * ($1.90) · freed 9.2 GiB RAM"), then the estimate's unknowns and the relief's last stop and totals.
 */
function printCostAndRelief(term: Term, cost: CostSummary | null, r: ReliefSummary | null): void {
  const [first, ...rest] = reliefLines(r);
  const line = costReliefLine(cost, r);
  if (line) term.out.write(`💲 ${reasonText(line)}\n`);
  for (const l of costDetails(cost)) term.out.write(term.dim(`   ${reasonText(l)}\n`));
  if (first) term.out.write(`${line ? '   ' : ''}♻ ${first}\n`);
  for (const l of rest) term.out.write(term.dim(`   ${l}\n`));
}

/** The "not deployed" line: AWS runs an older source than the working tree (status, and after a run). */
export function printDrift(term: Term, drift: DriftState): void {
  const folders = Object.entries(drift.byFolder)
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} (${n})`)
    .join(', ');
  const what = `${
    drift.deployedCommit
      ? `commit ${drift.deployedCommit}, run ${drift.deployedRunId}`
      : `run ${drift.deployedRunId}`
  }${drift.deployedBy ? `, deployed by ${drift.deployedBy}` : ''}`;
  term.out.write(
    `${term.yellow('⚠')} not deployed: AWS runs an older source (${what}); ${drift.changed} file${drift.changed === 1 ? '' : 's'} changed since: ${folders}\n`,
  );
}
