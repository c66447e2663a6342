/** `offload run <workflow>`: runs an entry point phase by phase with live progress; Ctrl-C cancels cleanly. */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { runCommand } from './run-action';

export interface RunOptions {
  json?: boolean;
  quiet?: boolean;
  junit?: string;
  wait?: string | boolean;
}

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'run an entry-point workflow (local, full, services, infrastructure, test, shutdown, or your own)',
    )
    .argument('<workflow>', 'workflow name from offload.yml')
    .option('--json', 'print the finished run as JSON instead of progress')
    .option('-q, --quiet', 'do not echo step output (it is still in the step logs)')
    .option('--junit <file>', 'also write the run as a JUnit XML report (GitLab, CodeBuild, CI dashboards)')
    .option(
      '--wait [duration]',
      'if another run holds the project, wait for it (default 30m) instead of failing',
    )
    .action((workflow: string, opts: RunOptions) => runCommand(ctx, workflow, opts));
}
