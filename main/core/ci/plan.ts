/**
 * What every generated CI file is planned from, whatever the platform: the entry points (the local one first,
 * then the AWS ones, `full` leading), the deploy environment one deploy at a time is counted in, the Node
 * version, and the shell lines they all share (install Offload from where the team says, trust offload.yml
 * visibly). `offload ci github`, `gitlab` and `codebuild` only lay this plan out in their platform's words.
 */
import type { PhaseId } from '../vocabulary';
import { folderSlug } from './repo-layout';

/** What a CI file is made from. */
export interface CiWorkflowInput {
  /** The project's name (offload.yml `name:`). */
  project: string;
  /** The entry points of offload.yml: name → phases. */
  workflows: Record<string, readonly PhaseId[]>;
  /** `aws.region`, when offload.yml sets it. */
  region?: string;
  /** `team.environment`, when offload.yml has a team section. */
  environment?: string;
  /** The text of the project's `.node-version` (or `.nvmrc`), when it has one. */
  nodeVersion?: string;
  /** The project folder inside the repository (`services/api`, see ciLayout); absent or '' at the root. */
  subdir?: string;
}

/** The plan every platform's file follows. */
export interface CiPlan {
  project: string;
  /** The entry point the first job runs: the local phase alone. */
  localEntry: string;
  /** Entry points that touch AWS, `full` first (the rule's whole order). */
  awsEntries: string[];
  /** What the AWS job runs when nobody chose (`full`, else the first AWS entry point). */
  defaultEntry: string;
  region?: string;
  /** The deploy environment: one deploy at a time in it (the team lock's, else `aws`). */
  environment: string;
  /** The Node major version the jobs run on (`.node-version`, else 24: the version Offload runs on). */
  nodeMajor: string;
  /** The project folder inside the repository, '' at its root: the jobs run there. */
  subdir: string;
  /** The folder as a word for file, job and group names ('' at the root). */
  slug: string;
}

/** The CI variable naming the IAM role the AWS job assumes by OIDC. */
export const ROLE_VARIABLE = 'OFFLOAD_AWS_ROLE_ARN';
/** The CI variable naming where the team gets Offload (no default: see installOffload). */
export const PACKAGE_VARIABLE = 'OFFLOAD_PACKAGE';
/** The visible trust step: offload.yml is reviewed like the CI file itself. */
export const TRUST_COMMAND = 'offload trust --yes';

const AWS_PHASES: readonly PhaseId[] = ['aws-prepare', 'aws-deploy', 'aws-test'];

/** Entry points that touch AWS (the AWS job offers them; `full` first: the rule's whole order). */
export function ciEntryPoints(workflows: Record<string, readonly PhaseId[]>): string[] {
  return Object.entries(workflows)
    .filter(([, phases]) => phases.some((p) => AWS_PHASES.includes(p)))
    .map(([name]) => name)
    .sort((a, b) => Number(b === 'full') - Number(a === 'full'));
}

/** The Node major version a `.node-version` / `.nvmrc` text names (`v24.1.0`, `24`), else 24. */
export function nodeMajor(text: string | undefined): string {
  const m = /^\s*v?(\d{1,3})(?:\.|\s|$)/.exec(text ?? '');
  return m ? m[1]! : '24';
}

/**
 * A region written into a CI file as is: a plain AWS region name. Anything else (`${{ env.X }}`, `$CI_JOB_TOKEN`)
 * means something else there: GitHub evaluates `${{ secrets.X }}` as the repository's secret, GitLab expands
 * `$VAR`, so such a region is left to the CI variable AWS_REGION instead.
 */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The plan for one project. */
export function ciPlan(input: CiWorkflowInput): CiPlan {
  const awsEntries = ciEntryPoints(input.workflows);
  const onlyLocal = Object.entries(input.workflows).find(
    ([, phases]) => phases.length > 0 && phases.every((p) => p === 'local'),
  );
  return {
    project: input.project,
    localEntry: Object.hasOwn(input.workflows, 'local') ? 'local' : (onlyLocal?.[0] ?? 'local'),
    awsEntries: awsEntries.length ? awsEntries : ['full'],
    defaultEntry: awsEntries[0] ?? 'full',
    ...(input.region && REGION.test(input.region) ? { region: input.region } : {}),
    environment: input.environment ?? 'aws',
    nodeMajor: nodeMajor(input.nodeVersion),
    subdir: input.subdir ?? '',
    slug: input.subdir ? folderSlug(input.subdir) : '',
  };
}

/** The CI platforms Offload writes files for. */
export type CiPlatform = 'github' | 'gitlab' | 'codebuild';

/**
 * Where a platform's file goes, relative to the repository root. At the root: the platform's one file. In a
 * monorepo's folder, one file per project so a second project never overwrites the first's: its own GitHub
 * workflow, a GitLab file the root `.gitlab-ci.yml` includes, and a buildspec the CodeBuild project points to.
 */
export function ciFile(platform: CiPlatform, subdir = ''): string {
  if (platform === 'github')
    return `.github/workflows/${subdir ? `offload-${folderSlug(subdir)}` : 'offload'}.yml`;
  const name =
    platform === 'gitlab' ? (subdir ? '.gitlab-ci.offload.yml' : '.gitlab-ci.yml') : 'buildspec.yml';
  return subdir ? `${subdir}/${name}` : name;
}

/**
 * The shell lines that install Offload from the package the team names. No default: a package name nobody on
 * the team owns must never run with the deploy role. `fail` turns a message into the platform's error line.
 */
export function installOffload(
  fail: (message: string) => string = (m) => `echo "offload: ${m}" >&2`,
): string[] {
  return [
    `if [ -z "$${PACKAGE_VARIABLE}" ]; then ${fail(`set the CI variable ${PACKAGE_VARIABLE} to where your team gets Offload (a tarball, a git URL or your registry's package)`)}; exit 1; fi`,
    `npm install --global "$${PACKAGE_VARIABLE}"`,
  ];
}

/** A YAML double-quoted scalar (JSON's escapes are YAML's). */
export const yamlString = (s: string): string => JSON.stringify(s);
