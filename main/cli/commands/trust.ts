/**
 * Project trust on the command line: `offload trust [--yes]` shows what offload.yml would run, write or stop
 * and records the user's trust; commands that would act on an untrusted project ask once in a terminal, and
 * without one exit 2 naming `offload trust`.
 */
import readline from 'node:readline';
import type { Command } from 'commander';
import { workflowCommand } from '../ci/github';
import { detectCi } from '../ci/platform';
import type { Offload } from '../../core/offload';
import type { CliContext } from '../context';
import { visibleText } from '../../core/format';
import { EXIT } from '../exit-codes';
import { printJson, type Term } from '../terminal';

/**
 * The review: every action in full, a multi-line command indented under its bullet. The actions come with
 * hidden characters already shown (core/trust/review.ts); visibleText again is a no-op that keeps it so.
 */
function printActions(term: Term, core: Offload): void {
  const t = core.trust();
  if (!t) return;
  term.err.write(`${term.bold(visibleText(t.subject.configFile))} would, with your rights:\n`);
  for (const a of t.subject.actions) term.err.write(`  • ${visibleText(a).split('\n').join('\n    ')}\n`);
  if (t.subject.actions.length === 0) term.err.write('  (nothing: no steps, switch files or matchers)\n');
}

/**
 * One y/N question on the terminal; Ctrl-D or a closed input is "no". Ctrl-C cancels the command there and then
 * (exit 130, as at any other point; nothing has run yet).
 */
export function ask(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    rl.on('SIGINT', () => {
      answered = true;
      rl.close();
      process.stderr.write('\noffload: cancelled; nothing was run\n');
      process.exit(EXIT.cancelled);
    });
    rl.question(question, (answer) => {
      // The answer settles first: close() below emits 'close' synchronously, which would otherwise say no.
      answered = true;
      resolve(/^y(es)?$/i.test(answer.trim()));
      rl.close();
    });
    rl.on('close', () => {
      if (!answered) resolve(false);
    });
  });
}

/**
 * Before a command acts on the project: true when it is trusted (or the user trusts it now, asked once in a
 * terminal); otherwise prints why and sets exit code 2.
 */
export async function ensureTrusted(ctx: CliContext, core: Offload): Promise<boolean> {
  const t = core.trust();
  if (!t || t.status.trusted) return true;
  const term = ctx.term();
  const why =
    t.status.reason === 'changed'
      ? 'offload.yml changed what it runs since you trusted it'
      : 'this project is not trusted yet';
  if (term.tty && process.stdin.isTTY) {
    term.err.write(`offload: ${why}.\n`);
    printActions(term, core);
    if (await ask('Trust this project and go on? [y/N] ')) {
      await core.trustProject();
      return true;
    }
    term.err.write('offload: not trusted; nothing was run\n');
  } else {
    term.err.write(
      `offload: ${why}; nothing was run. offload.yml runs commands with your rights: review them with \`offload trust\` and trust the project with \`offload trust --yes\`\n`,
    );
    // In CI, trust is a visible decision of the workflow: a step of its own before the run.
    if (detectCi(ctx.env)?.id === 'github')
      term.out.write(
        workflowCommand(
          'error',
          `${why}: add a step \`npx offload trust --yes\` before \`offload run\` once you have reviewed offload.yml`,
          {
            title: 'offload: project not trusted',
          },
        ) + '\n',
      );
  }
  ctx.exit(EXIT.usage);
  return false;
}

export function registerTrustCommand(program: Command, ctx: CliContext): void {
  program
    .command('trust')
    .description(
      'show what offload.yml would run, write or stop, and trust the project (again after changes)',
    )
    .option('-y, --yes', 'trust without asking (scripts, CI)')
    .option('--json', 'print the trust status and the actions as JSON')
    .action(async (opts: { yes?: boolean; json?: boolean }) => {
      const term = ctx.term();
      const core = await ctx.openCore();
      const t = core.trust()!;
      if (opts.json && !opts.yes) {
        printJson(term, { ...t.status, dir: t.subject.dir, actions: t.subject.actions });
        return;
      }
      if (t.status.trusted) {
        term.out.write(`${term.green('✅')} ${visibleText(t.subject.dir)} is trusted as it is now\n`);
        return;
      }
      printActions(term, core);
      const yes = opts.yes || (term.tty && process.stdin.isTTY && (await ask('Trust this project? [y/N] ')));
      if (!yes) {
        term.err.write(
          term.tty && process.stdin.isTTY
            ? 'offload: not trusted\n'
            : 'offload: not trusted; run `offload trust --yes` to trust it without a prompt\n',
        );
        ctx.exit(EXIT.usage);
        return;
      }
      await core.trustProject();
      term.out.write(`${term.green('✅')} trusted ${visibleText(t.subject.dir)}\n`);
    });
}
