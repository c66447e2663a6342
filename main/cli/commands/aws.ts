/**
 * `offload aws status` (services, endpoints and alarms with ✅⏳❌), `offload watch` (the gate, the rule and
 * CloudWatch notifications, headless, until Ctrl-C) and `offload switch local|aws`.
 */
import type { Command } from 'commander';
import { createAwsWatch, type AwsWatch } from '../../core/aws/watch';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../core/machine';
import { Notifier } from '../../core/notify/notifier';
import { nodeNotifierSink } from '../../core/notify/node-sink';
import { parseNotifyConfig } from '../../core/notify/config';
import type { AwsSnapshot } from '../../core/state';
import type { Status } from '../../core/workflow/types';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, statusIcon, type Term } from '../terminal';

function openWatch(
  ctx: CliContext,
  opts: { desktop: boolean },
): { watch: AwsWatch; notifier: Notifier; stop: () => void } {
  const { config, history, dataDir } = ctx.open();
  const notify = parseNotifyConfig(config.sections.notify);
  const notifier = new Notifier({
    sink: opts.desktop && notify.desktop ? nodeNotifierSink({ appName: 'Offload' }) : undefined,
  });
  const machine = createMachineWatch({
    env: ctx.env,
    watch: parseWatchConfig(config.sections.watch),
    models: parseModelsConfig(config.sections.models),
  });
  const watch = createAwsWatch({
    config,
    models: machine,
    notifier,
    journal: history,
    env: ctx.env,
    dataDir,
  });
  return {
    watch,
    notifier,
    stop: () => {
      watch.stop();
      machine.stop();
    },
  };
}

const alarmIcon = (s: string): string =>
  s === 'OK' ? '✅' : s === 'ALARM' ? '❌' : s === 'INSUFFICIENT_DATA' ? '⏳' : '❔';

/** Prints the gate and its parts. */
export function printAwsSnapshot(term: Term, s: AwsSnapshot): void {
  const gateIcon =
    s.gate === 'ready' ? '✅' : s.gate === 'disabled' ? '·' : s.gate === 'unknown' ? '❔' : '❌';
  term.out.write(
    `${gateIcon} AWS ${s.gate === 'ready' ? 'ready' : s.gate}${s.reason ? term.dim(` — ${s.reason}`) : ''}\n`,
  );
  if (s.services.length) term.out.write(term.bold('\nservices\n'));
  for (const v of s.services) {
    term.out.write(
      `  ${statusIcon(v.status as Status)} ${v.cluster}/${v.service}  ${term.dim(v.message ?? '')}\n`,
    );
  }
  if (s.endpoints.length) term.out.write(term.bold('\nendpoints\n'));
  for (const e of s.endpoints) {
    term.out.write(
      `  ${statusIcon(e.status as Status)} ${e.name}  ${e.consecutivePasses}/${e.required} passes  ${term.dim(e.lastResult ?? '')}\n`,
    );
  }
  if (s.alarms.length) term.out.write(term.bold('\nalarms\n'));
  for (const a of s.alarms)
    term.out.write(
      `  ${alarmIcon(a.state)} ${a.name}  ${term.dim(a.state + (a.reason ? ` — ${a.reason}` : ''))}\n`,
    );
  term.out.write(`\nconfig points at: ${s.configTarget}\n`);
}

export function registerAwsCommands(program: Command, ctx: CliContext): void {
  const aws = program.command('aws').description('AWS: the health gate, services, endpoints and alarms');
  aws
    .command('status')
    .description('check services, endpoints and alarms once and print them with ✅⏳❌')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const term = ctx.term();
      const w = openWatch(ctx, { desktop: false });
      try {
        await w.watch.pollOnce();
        const snap = w.watch.snapshot();
        if (opts.json) printJson(term, snap);
        else printAwsSnapshot(term, snap);
        ctx.exit(snap.gate === 'ready' || snap.gate === 'disabled' ? EXIT.passed : EXIT.failed);
      } finally {
        w.stop();
      }
    });

  program
    .command('watch')
    .description(
      'run the AWS-ready gate, the rule and CloudWatch notifications in this terminal until Ctrl-C',
    )
    .option('--no-desktop', 'no desktop notifications (notices are printed here either way)')
    .action(async (opts: { desktop?: boolean }) => {
      const term = ctx.term();
      const w = openWatch(ctx, { desktop: opts.desktop !== false });
      w.notifier.subscribe((n) => {
        const mark =
          n.level === 'error' ? term.red('●') : n.level === 'warning' ? term.yellow('●') : term.green('●');
        term.out.write(`${mark} ${new Date(n.at).toLocaleTimeString()} ${term.bold(n.title)}  ${n.body}\n`);
      });
      let lastGate = '';
      w.watch.subscribe(() => {
        const s = w.watch.snapshot();
        const line = `${s.gate}${s.reason ? ` — ${s.reason}` : ''}`;
        if (line !== lastGate) term.out.write(term.dim(`[gate] ${line}\n`));
        lastGate = line;
      });
      w.watch.start();
      // The watch's own timers are unref'd (they never hold an app open); this command lives until Ctrl-C.
      const keepAlive = setInterval(() => {}, 1 << 30);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(keepAlive);
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          resolve();
        };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
      });
      w.stop();
      // Stopped by Ctrl-C (or SIGTERM): the conventional 130, as for a cancelled run.
      ctx.exit(EXIT.cancelled);
    });

  program
    .command('switch')
    .description('point the dev config (switch: files in offload.yml) at aws or back at local')
    .argument('<target>', 'aws or local')
    .action(async (target: string) => {
      const term = ctx.term();
      if (target !== 'aws' && target !== 'local') {
        term.err.write('offload: switch target must be "aws" or "local"\n');
        ctx.exit(EXIT.usage);
        return;
      }
      const w = openWatch(ctx, { desktop: false });
      try {
        await w.watch.switchConfig(target);
        term.out.write(`config now points at ${w.watch.snapshot().configTarget}\n`);
      } finally {
        w.stop();
      }
    });
}
