/** `offload ci github|gitlab|codebuild`: writes the CI file that runs the rule's phases with the same offload.yml. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  codebuildBuildspec,
  githubWorkflow,
  gitlabPipeline,
  ProjectFileError,
  readProjectText,
  writeProjectFile,
  type CiWorkflowInput,
} from '../../core/offload';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';

/** One platform's generator: where its file goes, what writes it, and what to do next. */
interface CiTarget {
  name: string;
  description: string;
  file: string;
  text: (input: CiWorkflowInput) => string;
  next: string;
}

const TARGETS: CiTarget[] = [
  {
    name: 'github',
    description: 'write .github/workflows/offload.yml: local first, then AWS by OIDC, one deploy at a time',
    file: path.join('.github', 'workflows', 'offload.yml'),
    text: githubWorkflow,
    next: 'Next: set the repository variables OFFLOAD_AWS_ROLE_ARN (an IAM role trusting GitHub OIDC for this repository) and OFFLOAD_PACKAGE (where your team gets Offload), review and commit the file.',
  },
  {
    name: 'gitlab',
    description:
      'write .gitlab-ci.yml: local stage first, then AWS by OIDC ID tokens, one deploy per environment',
    file: '.gitlab-ci.yml',
    text: gitlabPipeline,
    next: "Next: add an IAM OIDC identity provider for your GitLab's address, set the CI/CD variables OFFLOAD_AWS_ROLE_ARN (a role trusting this project's ID tokens) and OFFLOAD_PACKAGE (where your team gets Offload), review and commit the file.",
  },
  {
    name: 'codebuild',
    description: 'write buildspec.yml: local first, then AWS with the service role, JUnit report group',
    file: 'buildspec.yml',
    text: codebuildBuildspec,
    next: "Next: give the CodeBuild project's service role what the deploy needs, set its environment variable OFFLOAD_PACKAGE (where your team gets Offload), add offload.yml `team:` so the team lock keeps deploys one at a time (CodeBuild has no concurrency groups), review and commit the file.",
  },
];

/** The project's Node version file (`.node-version`, else `.nvmrc`), when it has one. */
function nodeVersionOf(dir: string): string | undefined {
  for (const name of ['.node-version', '.nvmrc']) {
    try {
      // Bounded and regular files only: a FIFO or /dev/zero named .node-version must not hang or fill memory.
      return readProjectText(path.join(dir, name), { maxBytes: 4096, what: 'Node version file' }).slice(
        0,
        100,
      );
    } catch {
      // none (or not a small regular file): the next, else Node 24
    }
  }
  return undefined;
}

/** Whether a directory entry is there, a dangling symlink included (existsSync says no to one). */
function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Registers `offload ci <platform>`, one subcommand per CI platform the rule can be written for. */
export function registerCiCommand(program: Command, ctx: CliContext): void {
  const ci = program.command('ci').description('write a CI file that runs the phases of offload.yml');
  for (const target of TARGETS) {
    ci.command(target.name)
      .description(target.description)
      .option('--force', 'overwrite an existing file')
      .option('--stdout', 'print the file instead of writing it')
      .action(async (opts: { force?: boolean; stdout?: boolean }) => {
        const term = ctx.term();
        const config = (await ctx.openCore()).config()!;
        const nodeVersion = nodeVersionOf(config.dir);
        const text = target.text({
          project: config.name,
          workflows: config.workflows,
          ...(config.aws?.region ? { region: config.aws.region } : {}),
          ...(config.team ? { environment: config.team.environment } : {}),
          ...(nodeVersion !== undefined ? { nodeVersion } : {}),
        });
        if (opts.stdout) {
          term.out.write(text);
          return;
        }
        const file = path.join(config.dir, target.file);
        if (lexists(file) && !opts.force) {
          term.err.write(
            `offload: ${file} already exists; use --force to overwrite it, or --stdout to compare\n`,
          );
          ctx.exit(EXIT.usage);
          return;
        }
        try {
          writeProjectFile(config.dir, target.file, text, `offload ci ${target.name}`);
        } catch (err) {
          if (!(err instanceof ProjectFileError)) throw err;
          term.err.write(`offload: ${err.message}\n`);
          ctx.exit(EXIT.usage);
          return;
        }
        term.out.write(`${term.green('✅')} wrote ${file}\n${target.next}\n`);
      });
  }
}
