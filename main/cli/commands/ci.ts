/** `offload ci github`: writes the CI workflow that runs the rule's phases with the same offload.yml. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { githubWorkflow, writeFileAtomic } from '../../core/offload';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';

export function registerCiCommand(program: Command, ctx: CliContext): void {
  const ci = program.command('ci').description('write a CI workflow that runs the phases of offload.yml');
  ci.command('github')
    .description('write .github/workflows/offload.yml: local first, then AWS by OIDC, one deploy at a time')
    .option('--force', 'overwrite an existing workflow file')
    .option('--stdout', 'print the workflow instead of writing it')
    .action(async (opts: { force?: boolean; stdout?: boolean }) => {
      const term = ctx.term();
      const config = (await ctx.openCore()).config()!;
      const text = githubWorkflow({
        project: config.name,
        workflows: config.workflows,
        region: config.aws?.region,
      });
      if (opts.stdout) {
        term.out.write(text);
        return;
      }
      const file = path.join(config.dir, '.github', 'workflows', 'offload.yml');
      if (fs.existsSync(file) && !opts.force) {
        term.err.write(
          `offload: ${file} already exists; use --force to overwrite it, or --stdout to compare\n`,
        );
        ctx.exit(EXIT.usage);
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, text);
      term.out.write(`${term.green('✅')} wrote ${file}\n`);
      term.out.write(
        'Next: set the repository variables OFFLOAD_AWS_ROLE_ARN (an IAM role trusting GitHub OIDC for this repository) and OFFLOAD_PACKAGE (where your team gets Offload), review and commit the file.\n',
      );
    });
}
