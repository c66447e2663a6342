/** `offload history`: past runs, one run's phases and steps, and its step logs — honest after a crash. */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { HistoryReader as HistoryStore, RunSnapshot } from '../../core/state';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import {
  formatDuration,
  paintStatus,
  printJson,
  reasonText,
  paintStep,
  statusIcon,
  stepText,
  type Term,
} from '../terminal';

export function registerHistoryCommand(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('list past runs, or show one run (--run ID|last) with its step logs (--logs)')
    .option('--run <id>', 'a run id, a unique prefix of one, or "last"')
    .option('--logs', 'print the step logs of the run')
    .option('-n, --limit <n>', 'how many runs to list', '20')
    .option('--json', 'print as JSON')
    .action(async (opts: { run?: string; logs?: boolean; limit: string; json?: boolean }) => {
      const term = ctx.term();
      const history = (await ctx.openCore()).history()!;
      if (!opts.run) {
        const limit = Number.parseInt(opts.limit, 10);
        const { runs, unreadable } = history.scanRuns(Number.isFinite(limit) && limit > 0 ? limit : 20);
        if (unreadable.length)
          term.err.write(
            `offload: ${unreadable.length} run${unreadable.length === 1 ? '' : 's'} in history could not be read: ${unreadable
              .map((u) => `${u.runId} (${u.why})`)
              .join(', ')}\n`,
          );
        if (opts.json) return printJson(term, runs);
        if (runs.length === 0)
          term.out.write(
            'no runs yet: start with `offload run local` (build and tests here), then `offload run full`\n',
          );
        for (const r of runs) {
          term.out.write(
            `${paintStatus(term, r.status, `${statusIcon(r.status)} ${r.status.padEnd(9)}`)} ${r.runId}  ${r.workflow.padEnd(14)} ${r.startedAt}  ${formatDuration(r.durationMs)}${r.reason ? term.dim('  ' + reasonText(r.reason)) : ''}\n`,
          );
        }
        return;
      }
      const runId = resolveRunId(history, opts.run);
      const run = runId ? history.readRun(runId) : null;
      if (!run) {
        term.err.write(`offload: no run matches "${opts.run}"; see \`offload history\`\n`);
        ctx.exit(EXIT.usage);
        return;
      }
      if (opts.json) {
        const logs = opts.logs ? collectLogs(history, run) : undefined;
        return printJson(term, logs ? { ...run, logs } : run);
      }
      printRun(term, run);
      if (opts.logs) {
        for (const l of collectLogs(history, run)) {
          term.out.write(term.bold(`\n── ${l.phase} / ${l.step} ──\n`));
          // A step's own colours only on a terminal that shows colour; no other escape, ever (clipboard, title…).
          const text = stepText(term, l.text);
          term.out.write(text.endsWith('\n') || text === '' ? text : text + '\n');
        }
      }
    });
}

function resolveRunId(history: HistoryStore, wanted: string): string | undefined {
  const runs = history.listRuns(10_000);
  if (wanted === 'last') return runs[0]?.runId;
  const exact = runs.find((r) => r.runId === wanted);
  if (exact) return exact.runId;
  const matches = runs.filter((r) => r.runId.startsWith(wanted));
  return matches.length === 1 ? matches[0]?.runId : undefined;
}

function collectLogs(
  history: HistoryStore,
  run: RunSnapshot,
): { phase: string; step: string; text: string }[] {
  const out: { phase: string; step: string; text: string }[] = [];
  for (const phase of run.phases) {
    for (const step of phase.steps) {
      const file = history.stepLogPath(run.runId, phase.id, step.id);
      if (!fs.existsSync(file)) continue;
      out.push({ phase: phase.id, step: step.id, text: fs.readFileSync(file, 'utf8') });
    }
  }
  return out;
}

export function printRun(term: Term, run: RunSnapshot): void {
  term.out.write(
    `${paintStatus(term, run.status, `${statusIcon(run.status)} run ${run.runId} (${run.workflow}) ${run.status}`)}` +
      `${run.reason ? ' — ' + reasonText(run.reason) : ''}\n`,
  );
  term.out.write(
    term.dim(
      `   started ${run.startedAt}, ${formatDuration(run.durationMs)}, fingerprint ${run.fingerprint.slice(0, 12)}\n`,
    ),
  );
  for (const phase of run.phases) {
    term.out.write(
      `${paintStatus(term, phase.status, `${statusIcon(phase.status)} ${phase.title}`)}${phase.reason ? term.dim(' — ' + reasonText(phase.reason)) : ''}\n`,
    );
    for (const s of phase.steps) {
      const detail = [
        formatDuration(s.durationMs),
        reasonText(s.summary ?? ''),
        s.reason && s.reason !== s.summary ? reasonText(s.reason) : '',
      ]
        .filter(Boolean)
        .join(', ');
      term.out.write(
        `   ${paintStep(term, s.status, reasonText(s.name))}${detail ? term.dim('  ' + detail) : ''}\n`,
      );
    }
  }
}
