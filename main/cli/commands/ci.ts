/** `offload ci github|gitlab|codebuild`: writes the CI file that runs the rule's phases with the same offload.yml. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  ciWriters,
  ProjectFileError,
  readProjectText,
  writeProjectFile,
  type CiLayout,
  type CiPlatform,
} from '../../core/offload';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';

/** One platform's generator: where its file goes, what writes it, and what to do next. */
interface CiTarget {
  name: CiPlatform;
  description: string;
  /** The writer of its file (in ciWriters()). */
  writer: 'githubWorkflow' | 'gitlabPipeline' | 'codebuildBuildspec';
  next: string;
  /** What else to do when the project is a folder of a monorepo (its file is then `file`). */
  nextInFolder: (file: string, subdir: string) => string;
}

const TARGETS: CiTarget[] = [
  {
    name: 'github',
    description: 'write .github/workflows/offload.yml: local first, then AWS by OIDC, one deploy at a time',
    writer: 'githubWorkflow',
    next: 'Next: set the repository variables OFFLOAD_AWS_ROLE_ARN (an IAM role trusting GitHub OIDC for this repository) and OFFLOAD_PACKAGE (where your team gets Offload), review and commit the file.',
    nextInFolder: (file, sub) =>
      `The project is ${sub}/ of the repository: its workflow is ${file} (one per project, so another project's is never overwritten), its steps run in ${sub}/, and a push runs it only when ${sub}/** or the workflow changed (on.push.paths).`,
  },
  {
    name: 'gitlab',
    description:
      'write .gitlab-ci.yml: local stage first, then AWS by OIDC ID tokens, one deploy per environment',
    writer: 'gitlabPipeline',
    next: "Next: add an IAM OIDC identity provider for your GitLab's address, set the CI/CD variables OFFLOAD_AWS_ROLE_ARN (a role trusting this project's ID tokens) and OFFLOAD_PACKAGE (where your team gets Offload), review and commit the file.",
    nextInFolder: () => '',
  },
  {
    name: 'codebuild',
    description: 'write buildspec.yml: local first, then AWS with the service role, JUnit report group',
    writer: 'codebuildBuildspec',
    next: "Next: give the CodeBuild project's service role what the deploy needs, set its environment variable OFFLOAD_PACKAGE (where your team gets Offload), add offload.yml `team:` so the team lock keeps deploys one at a time (CodeBuild has no concurrency groups), review and commit the file.",
    nextInFolder: (file, sub) =>
      `The project is ${sub}/ of the repository: set the CodeBuild project's buildspec to ${file} (CodeBuild reads buildspec.yml at the source root otherwise); the build goes into ${sub}/ itself.`,
  },
];

/** The lines that make the root .gitlab-ci.yml run a project's own file. */
const gitlabInclude = (file: string) => `include:\n  - local: ${JSON.stringify(file)}\n`;

/**
 * GitLab reads only the root `.gitlab-ci.yml`: a monorepo project's file is included from it. Absent, the root
 * file is written with the include alone; present, it is the whole repository's pipeline and is never rewritten
 * (whatever --force says): the user is told whether it includes the project's file already, else what to add.
 */
function gitlabRoot(layout: CiLayout, file: string): string {
  const root = path.join(layout.root, '.gitlab-ci.yml');
  if (!lexists(root)) {
    writeProjectFile(
      layout.root,
      '.gitlab-ci.yml',
      `# The repository's GitLab pipeline: each Offload project's jobs come from its own file (offload ci gitlab).\n${gitlabInclude(file)}`,
      'offload ci gitlab',
      'repository',
    );
    return `wrote ${root} including it.`;
  }
  let text = '';
  try {
    text = readProjectText(root, { maxBytes: 1024 * 1024, what: 'GitLab pipeline' });
  } catch {
    // unreadable or not a regular file: said below as not including it
  }
  if (text.includes(file)) return `${root} includes it already.`;
  return `${root} is the whole repository's pipeline and was left as it is (Offload does not rewrite it): GitLab reads only that file, so add the project's file to its include: list (the usual way for a monorepo), for example\n\n${gitlabInclude(file)}`;
}

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
        const writers = await ciWriters();
        let layout: CiLayout;
        try {
          layout = await writers.ciLayout(config.dir);
        } catch (err) {
          if (!(err instanceof writers.CiLayoutError)) throw err;
          term.err.write(`offload: ${err.message}\n`);
          ctx.exit(EXIT.usage);
          return;
        }
        const sub = layout.subdir;
        const rel = writers.ciFile(target.name, sub);
        const text = writers[target.writer]({
          project: config.name,
          workflows: config.workflows,
          ...(config.aws?.region ? { region: config.aws.region } : {}),
          ...(config.team ? { environment: config.team.environment } : {}),
          ...(nodeVersion !== undefined ? { nodeVersion } : {}),
          subdir: sub,
        });
        if (opts.stdout) {
          term.out.write(text);
          return;
        }
        const file = path.join(layout.root, rel);
        if (lexists(file) && !opts.force) {
          term.err.write(
            `offload: ${file} already exists; use --force to overwrite it, or --stdout to compare\n`,
          );
          ctx.exit(EXIT.usage);
          return;
        }
        try {
          const where = sub ? 'repository' : 'project folder';
          writeProjectFile(layout.root, rel, text, `offload ci ${target.name}`, where);
          if (sub) {
            const then = target.name === 'gitlab' ? gitlabRoot(layout, rel) : target.nextInFolder(rel, sub);
            term.out.write(`${term.green('✅')} wrote ${file}\n${then}\n${target.next}\n`);
            return;
          }
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
