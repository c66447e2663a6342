/** What `offload run <workflow>` does (run.ts declares it). */
import { durationMs, secretNames, writeFileAtomic } from '../../core/offload';
import { CiRunOutput } from '../ci/run-output';
import { detectCi } from '../ci/platform';
import { junitReport } from '../ci/junit';
import { AWS_PHASES, type RunSnapshot } from '../../core/vocabulary';
import { EXIT, exitCodeFor } from '../exit-codes';
import type { CliContext } from '../context';
import { LiveProgress, PlainProgress } from '../progress';
import { printJson } from '../terminal';
import { printDrift } from './status';
import { ensureTrusted } from './trust';
import type { RunOptions } from './run';

/** Runs the entry point `workflow` phase by phase with live progress; Ctrl-C cancels cleanly. */
export async function runCommand(ctx: CliContext, workflow: string, opts: RunOptions): Promise<void> {
  const term = ctx.term();
  const core = await ctx.openCore();
  const config = core.config()!;
  const history = core.history()!;
  if (!Object.hasOwn(config.workflows, workflow)) {
    term.err.write(
      `offload: unknown workflow "${workflow}"; ${config.file} defines: ${Object.keys(config.workflows).join(', ')}\n`,
    );
    ctx.exit(EXIT.usage);
    return;
  }
  if (!(await ensureTrusted(ctx, core))) return;

  const platform = detectCi(ctx.env);
  const ci =
    platform && platform.id !== 'generic'
      ? new CiRunOutput(platform, config, ctx.env, (l) => term.out.write(l + '\n'))
      : undefined;
  ci?.registerMasks(secretNames(config));
  let live: LiveProgress | undefined;
  let unsubscribe = () => {};
  if (!opts.json) {
    if (term.tty && !ci) {
      live = new LiveProgress(term, () => core.currentRun());
      live.start();
    } else {
      const plain = new PlainProgress(term, Boolean(opts.quiet), ci);
      unsubscribe = core.onRunEvent((e) => plain.onEvent(e));
    }
  }

  // Ctrl-C: the first cancels the running step's whole process tree; a second one leaves at once.
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      term.err.write(`\noffload: ${signal} received, cancelling the running step (again to force quit)\n`);
      void core.cancel();
    } else {
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const waitForLockMs =
      opts.wait === undefined
        ? undefined
        : durationMs(opts.wait === true ? undefined : opts.wait, 30 * 60_000, '--wait');
    const summary = await core.run(workflow, { waitForLockMs });
    const finished = history.readRun(summary.runId);
    live?.stop(finished);
    unsubscribe();
    if (finished) {
      ci?.finish(
        finished,
        core.trust()?.status.trusted ? 'offload.yml is trusted on this runner' : undefined,
      );
      if (opts.junit) writeFileAtomic(opts.junit, junitReport(finished, config.name));
    }
    if (opts.json) printJson(term, finished ?? summary);
    else if (summary.status !== 'passed' && stepsStarted(finished)) {
      // a run a gate refused before any step started has no log to show: its reason is the line above
      term.err.write(`offload: logs: offload history --run ${summary.runId} --logs\n`);
    }
    // A run touching AWS (an AWS test above all) says when AWS runs an older source than the working tree.
    if (!opts.json && config.workflows[workflow]!.some((p) => AWS_PHASES.includes(p))) {
      await core.availability();
      const drift = core.state().drift;
      if (drift) printDrift(term, drift);
    }
    ctx.exit(exitCodeFor(summary.status));
  } finally {
    ci?.resume();
    live?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Whether any step of the run started (it then has a log); unknown (no record read back): assumed so. */
function stepsStarted(run: RunSnapshot | null): boolean {
  return !run || run.phases.some((p) => p.steps.some((s) => s.startedAt !== undefined));
}
