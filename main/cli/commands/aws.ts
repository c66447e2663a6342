/**
 * `offload aws status` (services, endpoints and alarms with ✅⏳❌), `offload watch` (the gate, the rule and
 * CloudWatch notifications, headless, until Ctrl-C) and `offload switch local|aws`.
 */
import type { Command } from 'commander';
import { SwitchRefused } from '../../core/offload';
import type { AwsSnapshot } from '../../core/state';
import type { Status } from '../../core/vocabulary';
import { GATE_ICON, phase6Line } from '../../core/format';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { printJson, reasonText, statusIcon, stepText, type Term } from '../terminal';
import { ensureTrusted } from './trust';

const alarmIcon = (s: string): string =>
  s === 'OK' ? '✅' : s === 'ALARM' ? '❌' : s === 'INSUFFICIENT_DATA' ? '⏳' : '❔';

/** Prints the gate and its parts. */
export function printAwsSnapshot(term: Term, s: AwsSnapshot): void {
  term.out.write(
    `${GATE_ICON[s.gate]} AWS ${s.gate === 'ready' ? 'ready' : s.gate}${s.reason ? term.dim(` — ${s.reason}`) : ''}\n`,
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
      const core = await ctx.openCore();
      const snap = await core.checkAws();
      if (opts.json) printJson(term, snap);
      else {
        if (snap.live)
          term.out.write(
            term.dim(`live state of the watch running as pid ${snap.live.pid} since ${snap.live.since}\n`),
          );
        printAwsSnapshot(term, snap);
      }
      // 0 only when AWS is ready: with no gate configured nothing says it is (a script's `offload aws status &&
      // …` must not go on), and the reason line above says what to add
      ctx.exit(snap.gate === 'ready' ? EXIT.passed : EXIT.failed);
    });

  program
    .command('watch')
    .description(
      'run the AWS-ready gate, the rule and CloudWatch notifications in this terminal until Ctrl-C',
    )
    .option('--no-desktop', 'no desktop notifications (notices are printed here either way)')
    .action(async (opts: { desktop?: boolean }) => {
      const term = ctx.term();
      // The tray without a tray: the same core, watches, rule, policy and journal.
      const core = await ctx.openCore({
        watch: true,
        desktopNotifications: opts.desktop !== false,
        log: (line) => term.err.write(reasonText(line) + '\n'),
      });
      const t = core.trust();
      if (t && !t.status.trusted)
        term.err.write(
          `offload: ${t.subject.dir} is not trusted: watching only (no automatic actions, no steps); \`offload trust\` to review and trust it\n`,
        );
      core.onNotice((n) => {
        const mark =
          n.level === 'error' ? term.red('●') : n.level === 'warning' ? term.yellow('●') : term.green('●');
        term.out.write(
          `${mark} ${new Date(n.at).toLocaleTimeString()} ${term.bold(reasonText(n.title))}  ${stepText(term, n.body)}\n`,
        );
      });
      let lastGate = '';
      core.subscribe((st) => {
        const s = st.aws;
        if (!s) return;
        const line = `${s.gate}${s.reason ? ` — ${reasonText(s.reason)}` : ''}`;
        if (line !== lastGate) term.out.write(term.dim(`[gate] ${line}\n`));
        lastGate = line;
      });
      // Every phase-6 transition, once each (an acknowledgement from another terminal shows here too).
      let lastPhase6 = '';
      core.subscribe((st) => {
        const line = st.phase6 ? phase6Line(st.phase6) : '';
        if (line && line !== lastPhase6) term.out.write(`[phase 6] ${reasonText(line)}\n`);
        lastPhase6 = line;
      });
      let lastRun = '';
      core.onRunEvent((e) => {
        if (e.type === 'run-started' && e.runId !== lastRun) {
          lastRun = e.runId;
          term.out.write(term.dim(`[run] ${e.workflow} started (${e.runId})\n`));
        } else if (e.type === 'run-finished') {
          term.out.write(
            `${term.dim('[run]')} ${statusIcon(e.status)} ${e.runId} ${e.status}${e.reason ? ` — ${reasonText(e.reason)}` : ''}\n`,
          );
        }
      });
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
      await core.dispose();
      // Stopped by Ctrl-C (or SIGTERM): the conventional 130, as for a cancelled run.
      ctx.exit(EXIT.cancelled);
    });
  registerSwitchCommand(program, ctx);
}

/** `offload switch aws|local`: points the dev config at AWS (only while the gate allows) or back at local. */
function registerSwitchCommand(program: Command, ctx: CliContext): void {
  program
    .command('switch')
    .description(
      'point the dev config (switch: files in offload.yml) at aws (only while AWS is ready) or back at local',
    )
    .argument('<target>', 'aws or local')
    .option(
      '--force',
      'switch to aws even though the gate does not show AWS ready; to local even though the models do not fit',
    )
    .option('--json', 'print the outcome as JSON')
    .action(async (target: string, opts: { force?: boolean; json?: boolean }) => {
      const term = ctx.term();
      if (target !== 'aws' && target !== 'local') {
        term.err.write('offload: switch target must be "aws" or "local"\n');
        ctx.exit(EXIT.usage);
        return;
      }
      const core = await ctx.openCore();
      if (!(await ensureTrusted(ctx, core))) return;
      let outcome;
      try {
        outcome = await core.switchConfig(target, { force: opts.force });
      } catch (err) {
        if (!(err instanceof SwitchRefused)) throw err;
        term.err.write(`offload: not switched: ${err.message}\n`);
        ctx.exit(EXIT.failed);
        return;
      }
      if (opts.json) printJson(term, outcome);
      else {
        if (outcome.forcedPast)
          term.err.write(`${term.yellow('warning')} switched with --force: ${outcome.forcedPast}\n`);
        for (const f of outcome.files) {
          const what = f.restoredBackup
            ? 'restored as it was before the switch'
            : f.changed.length
              ? `set ${f.changed.join(', ')}`
              : 'already pointed there';
          term.out.write(`  ${f.path}: ${what}\n`);
          if (f.remembered?.length)
            term.out.write(
              term.dim(
                `    ${f.remembered.join(', ')}: the value an earlier switch-config step gave (its step outputs), not offload.yml's\n`,
              ),
            );
        }
      }
      const models = outcome.localModels;
      if (models && !models.ok) {
        term.err.write(
          `${term.red('❌')} the config points at local, but the local models did not start: ${models.reason}\n`,
        );
        ctx.exit(EXIT.failed);
        return;
      }
      if (!opts.json) {
        if (models) term.out.write(`${term.green('✅')} ${models.reason}\n`);
        else if (target === 'local')
          term.out.write(
            term.dim('no switch.local-models.start in offload.yml: no local model server was started\n'),
          );
        term.out.write(`${term.green('✅')} config now points at ${target}\n`);
      }
    });
}
