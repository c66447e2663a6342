/**
 * `offload ci gitlab`: the `.gitlab-ci.yml` that runs the rule on GitLab CI — the local phase as the first
 * stage, the AWS entry point in the next one with credentials by OIDC (the job's ID token for an IAM role,
 * never a stored key), one deploy at a time per environment (`resource_group`), the run history and logs kept
 * as artifacts and each run's JUnit report shown in the merge request (`artifacts:reports:junit`).
 */
import { shellWord } from './repo-layout';
import {
  ciFile,
  ciPlan,
  installOffload,
  ROLE_VARIABLE,
  TRUST_COMMAND,
  yamlString as q,
  type CiWorkflowInput,
} from './plan';

/** Where the jobs keep Offload's data: outside the checkout, so it never counts as a source change. */
const HOME = '/tmp/offload';
/** What the artifacts carry, inside the checkout as GitLab requires (copied in after the run). */
const KEPT = '.offload-ci';

/** The pipeline file's text (`.gitlab-ci.yml`). */
export function gitlabPipeline(input: CiWorkflowInput): string {
  const plan = ciPlan(input);
  const list = (lines: string[]) => lines.map((l) => `    - ${q(l)}`);
  const sub = plan.subdir;
  // In a monorepo's folder: names of its own (the root file includes every project's), jobs that work in the
  // folder and run when it changed, and the entry point and region as the template's variables (global ones
  // would be one for all the included projects).
  const template = sub ? `.offload-${plan.slug}` : '.offload';
  const job = (name: string) => (sub ? q(`${plan.slug}:${name}`) : name);
  const kept = sub ? q(`${sub}/${KEPT}/`) : `${KEPT}/`;
  const junit = sub ? q(`${sub}/${KEPT}/reports/*.xml`) : `${KEPT}/reports/*.xml`;
  const cd = sub ? [`cd ${shellWord(sub)}`] : [];
  const region = plan.region
    ? [`  AWS_REGION: ${q(plan.region)}`]
    : ['  # AWS_REGION: set it as a CI/CD variable (offload.yml names no aws.region)'];
  const entry = [
    '  OFFLOAD_ENTRY:',
    `    value: ${plan.defaultEntry}`,
    `    options: [${plan.awsEntries.join(', ')}]`,
    '    description: Entry point to run on AWS after the local phase',
  ];
  return [
    `# The rule in CI for ${plan.project} (written by \`offload ci gitlab\`): build and test locally first,`,
    '# then deploy to AWS and test there. Set the CI/CD variables OFFLOAD_AWS_ROLE_ARN (an IAM role that trusts',
    "# this project's GitLab ID tokens: an IAM OIDC identity provider for your GitLab's address) and",
    '# OFFLOAD_PACKAGE (where your team gets Offload: a tarball, a git URL or a package in your registry).',
    '# AWS credentials come by OIDC: the job writes its ID token to a file and the AWS SDKs and CLI exchange it',
    "# for the role's short-lived credentials (sts:AssumeRoleWithWebIdentity, as `aws sts",
    '# assume-role-with-web-identity` does) and renew them; no access key is stored anywhere.',
    ...(sub
      ? [
          `# The project lives in ${sub}/: the root .gitlab-ci.yml includes this file (include: - local: ${ciFile('gitlab', sub)});`,
          `# its jobs work in ${sub}/ and run when something under it changed (rules: changes). Another entry point`,
          `# than ${plan.defaultEntry}: the pipeline variable OFFLOAD_ENTRY (${plan.awsEntries.join(', ')}).`,
        ]
      : []),
    'stages:',
    '  - local',
    '  - aws',
    '',
    'variables:',
    '  NO_COLOR: "1"',
    `  OFFLOAD_HOME: ${HOME}`,
    ...(sub ? [] : [...entry, ...region]),
    '',
    `${template}:`,
    `  image: node:${plan.nodeMajor}`,
    ...(sub
      ? [
          '  variables:',
          `    OFFLOAD_ENTRY: ${plan.defaultEntry}`,
          ...region.map((l) => `  ${l}`),
          '  rules:',
          '    - changes:',
          `        - ${q(`${sub}/**/*`)}`,
        ]
      : []),
    '  before_script:',
    ...list([
      ...cd,
      ...installOffload(),
      // The local job's history (its pass for this fingerprint) moves out of the checkout before any run.
      `mkdir -p "$OFFLOAD_HOME/reports"; if [ -d ${KEPT}/projects ]; then cp -R ${KEPT}/projects "$OFFLOAD_HOME/"; fi; rm -rf ${KEPT}`,
    ]),
    '    # Trust is a decision the repository makes visibly: offload.yml is reviewed like this file.',
    `    - ${TRUST_COMMAND}`,
    '  after_script:',
    ...list([
      ...cd,
      `mkdir -p ${KEPT} && cp -R "$OFFLOAD_HOME/projects" "$OFFLOAD_HOME/reports" ${KEPT}/ 2>/dev/null || true`,
    ]),
    '  artifacts:',
    '    when: always',
    `    name: offload-$CI_JOB_NAME`,
    '    paths:',
    `      - ${kept}`,
    '    reports:',
    `      junit: ${junit}`,
    '',
    `${job('local')}:`,
    `  extends: ${template}`,
    '  stage: local',
    '  script:',
    ...list([`offload run ${plan.localEntry} --junit "$OFFLOAD_HOME/reports/local-junit.xml"`]),
    '',
    `${job('aws')}:`,
    `  extends: ${template}`,
    '  stage: aws',
    `  needs: [${job('local')}]`,
    '  environment:',
    `    name: ${sub ? `${plan.environment}/${plan.slug}` : plan.environment}`,
    '  # One deploy at a time per environment: a second pipeline waits for this job instead of deploying beside it.',
    `  resource_group: offload-${sub ? `${plan.slug}-` : ''}${plan.environment}`,
    '  id_tokens:',
    '    OFFLOAD_ID_TOKEN:',
    "      aud: https://gitlab.com # your GitLab's address when self-managed: the audience the IAM provider expects",
    '  script:',
    ...list([
      `if [ -z "$${ROLE_VARIABLE}" ]; then echo "offload: set the CI/CD variable ${ROLE_VARIABLE} to the IAM role this project assumes by OIDC" >&2; exit 1; fi`,
      `printf '%s' "$OFFLOAD_ID_TOKEN" > "$OFFLOAD_HOME/id-token"`,
      `export AWS_ROLE_ARN="$${ROLE_VARIABLE}" AWS_WEB_IDENTITY_TOKEN_FILE="$OFFLOAD_HOME/id-token" AWS_ROLE_SESSION_NAME="offload-$CI_PROJECT_ID-$CI_PIPELINE_ID"`,
      'offload run "$OFFLOAD_ENTRY" --junit "$OFFLOAD_HOME/reports/aws-junit.xml"',
    ]),
    '',
  ].join('\n');
}
