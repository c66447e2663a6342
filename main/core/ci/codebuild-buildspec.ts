/**
 * `offload ci codebuild`: the `buildspec.yml` that runs the rule in an AWS CodeBuild project — the local phase
 * first, then the AWS entry point, in one build. CodeBuild gives the build its service role's credentials, so
 * nothing is stored; it has no concurrency groups, so one deploy at a time per environment is the Offload team
 * lock's job (offload.yml `team:`). Each run's JUnit report goes to a CodeBuild report group.
 */
import { shellWord } from './repo-layout';
import { ciFile, ciPlan, installOffload, TRUST_COMMAND, yamlString as q, type CiWorkflowInput } from './plan';

/** Where the build keeps Offload's data: outside the source folder, so it never counts as a source change. */
export const CODEBUILD_HOME = '/tmp/offload';
/** Where the JUnit reports land, inside the source folder as reports and artifacts read them. */
export const CODEBUILD_REPORTS = 'offload-reports';

/** The buildspec file's text (`buildspec.yml`). */
export function codebuildBuildspec(input: CiWorkflowInput): string {
  const plan = ciPlan(input);
  const list = (lines: string[]) => lines.map((l) => `      - ${q(l)}`);
  const sub = plan.subdir;
  // In a monorepo's folder: CodeBuild runs from the source root whatever the buildspec's path, so each phase
  // that works on the project goes there first, and reports and artifacts are read from under it.
  const cd = sub ? [`cd "$CODEBUILD_SRC_DIR"/${shellWord(sub)}`] : [];
  const reports = sub ? q(`${sub}/${CODEBUILD_REPORTS}`) : CODEBUILD_REPORTS;
  return [
    `# The rule in CI for ${plan.project} (written by \`offload ci codebuild\`): build and test locally first,`,
    '# then deploy to AWS and test there, in one CodeBuild build.',
    "# AWS credentials: the CodeBuild project's service role (CodeBuild hands its short-lived credentials to the",
    '# build; no access key is stored). Give that role what the deploy needs, and nothing more.',
    '# One deploy at a time: CodeBuild has no concurrency groups per environment, so the Offload team lock covers',
    '# it (offload.yml `team:` with an evidence bucket: a second build waits or stops naming the holder).',
    '# Set the environment variable OFFLOAD_PACKAGE (where your team gets Offload: a tarball, a git URL or a package',
    '# in your registry) on the project, and OFFLOAD_ENTRY to run another entry point than the default.',
    '# The image must offer Node ' +
      plan.nodeMajor +
      ' among its runtime versions (or be your own image with it).',
    ...(sub
      ? [
          `# The project lives in ${sub}/ of the repository: set the CodeBuild project's buildspec to`,
          `# ${ciFile('codebuild', sub)} (one CodeBuild project per folder, each with its own buildspec).`,
        ]
      : []),
    'version: 0.2',
    '',
    'env:',
    '  variables:',
    '    NO_COLOR: "1"',
    `    OFFLOAD_HOME: ${CODEBUILD_HOME}`,
    `    OFFLOAD_ENTRY: ${plan.defaultEntry} # or: ${plan.awsEntries.join(', ')}`,
    ...(plan.region ? [`    AWS_REGION: ${q(plan.region)}`] : []),
    '',
    'phases:',
    '  install:',
    '    runtime-versions:',
    `      nodejs: ${plan.nodeMajor}`,
    '    commands:',
    ...list([...installOffload(), `mkdir -p "$OFFLOAD_HOME/reports"`]),
    '  build:',
    '    commands:',
    ...list(cd),
    '      # Trust is a decision the repository makes visibly: offload.yml is reviewed like this file.',
    `      - ${TRUST_COMMAND}`,
    ...list([
      `offload run ${plan.localEntry} --junit "$OFFLOAD_HOME/reports/local-junit.xml"`,
      'offload run "$OFFLOAD_ENTRY" --junit "$OFFLOAD_HOME/reports/aws-junit.xml"',
    ]),
    '    finally:',
    ...list([
      ...cd,
      `mkdir -p ${CODEBUILD_REPORTS} && cp -R "$OFFLOAD_HOME/reports/." ${CODEBUILD_REPORTS}/ && cp -R "$OFFLOAD_HOME/projects" ${CODEBUILD_REPORTS}/ 2>/dev/null || true`,
    ]),
    '',
    'reports:',
    '  offload:',
    '    files:',
    "      - '*.xml'",
    `    base-directory: ${reports}`,
    '    file-format: JUNITXML',
    '',
    'artifacts:',
    '  name: offload-run',
    '  files:',
    "    - '**/*'",
    `  base-directory: ${reports}`,
    '',
  ].join('\n');
}
