/**
 * `offload ci github`: the GitHub Actions workflow that runs the rule in CI with the team's usual building
 * blocks — checkout, Node set-up, AWS credentials by OIDC (a role, never long-lived keys), the local phase
 * as its own job first, the AWS entry point after it in one concurrency group per environment, and the run
 * history and logs kept as artifacts (the next job's phase gates read the local pass from them).
 */
import { ciFile, ciPlan, installOffload, TRUST_COMMAND, yamlString as q, type CiWorkflowInput } from './plan';

/** The workflow file's text (`.github/workflows/offload.yml`). */
export function githubWorkflow(input: CiWorkflowInput): string {
  const plan = ciPlan(input);
  // The rule's default is every phase in order; each entry point runs its own phases again on the AWS job's
  // runner (the local job failing first only saves the AWS job's time).
  const byDefault = plan.defaultEntry;
  const [check, install] = installOffload((m) => `echo "::error title=offload::${m}"`);
  const setup = [
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    `          node-version: ${plan.nodeMajor}`,
    '      - name: Install Offload',
    '        run: |',
    `          ${check}`,
    `          ${install}`,
    '      - name: Offload data folder',
    '        run: echo "OFFLOAD_HOME=$RUNNER_TEMP/offload" >> "$GITHUB_ENV"',
    '      # Trust is a decision the repository makes visibly: offload.yml is reviewed like any workflow file.',
    '      - name: Trust offload.yml',
    `        run: ${TRUST_COMMAND}`,
  ];
  const keep = (name: string) => [
    '      - name: Keep the run history and logs',
    '        if: always()',
    '        uses: actions/upload-artifact@v4',
    '        with:',
    `          name: ${name}`,
    '          path: ${{ runner.temp }}/offload/projects',
    '          if-no-files-found: ignore',
  ];
  const sub = plan.subdir;
  // A monorepo's project: its own file, its jobs in its folder, run when its folder (or this file) changes.
  const mono = sub
    ? {
        comment: [
          `# The project lives in ${sub}/ of this repository: every run step works there (defaults: run:), and a`,
          `# push runs this workflow only when something under ${sub}/ or this file changed (on.push.paths);`,
          '# widen the paths if the project builds from files outside its folder.',
        ],
        paths: ['    paths:', `      - ${q(`${sub}/**`)}`, `      - ${q(ciFile('github', sub))}`],
        defaults: ['defaults:', '  run:', `    working-directory: ${q(sub)}`, ''],
      }
    : { comment: [], paths: [], defaults: [] };
  return [
    `# The rule in CI for ${input.project} (written by \`offload ci github\`): build and test locally first,`,
    '# then deploy to AWS and test there. Set the repository variable OFFLOAD_AWS_ROLE_ARN to an IAM role',
    '# this repository may assume through GitHub OIDC, and OFFLOAD_PACKAGE to where your team gets Offload',
    '# from (a tarball, a git URL or a package in your registry). On a hosted runner the shutdown phase finds no local model',
    "# server to stop; on a self-hosted one it stops the runner user's own, as on a laptop.",
    ...mono.comment,
    sub ? `name: ${q(`Offload (${sub})`)}` : 'name: Offload',
    '',
    'on:',
    '  push:',
    '    branches: [main]',
    ...mono.paths,
    '  workflow_dispatch:',
    '    inputs:',
    '      entry:',
    '        description: Entry point to run on AWS after the local phase',
    '        type: choice',
    `        options: [${plan.awsEntries.join(', ')}]`,
    `        default: ${byDefault}`,
    '',
    'permissions:',
    '  contents: read',
    '',
    'env:',
    '  # No default: a package name nobody on the team owns must never run with the deploy role.',
    '  OFFLOAD_PACKAGE: ${{ vars.OFFLOAD_PACKAGE }}',
    '  NO_COLOR: "1"',
    '',
    ...mono.defaults,
    'jobs:',
    '  local:',
    '    name: Local build and tests',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 60',
    '    steps:',
    ...setup,
    `      - name: offload run ${plan.localEntry}`,
    `        run: offload run ${plan.localEntry} --junit "$RUNNER_TEMP/offload/local-junit.xml"`,
    ...keep('offload-local'),
    '',
    '  aws:',
    '    name: AWS',
    '    needs: local',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 120',
    '    environment: aws',
    '    # One deploy at a time per environment; a queued one waits instead of cancelling a deploy under way.',
    '    concurrency:',
    `      group: offload-${plan.slug ? `${plan.slug}-` : ''}aws-\${{ github.ref_name }}`,
    '      cancel-in-progress: false',
    '    permissions:',
    '      contents: read',
    '      id-token: write',
    '    steps:',
    ...setup,
    '      - name: The local pass from the first job',
    '        uses: actions/download-artifact@v4',
    '        with:',
    '          name: offload-local',
    '          path: ${{ runner.temp }}/offload/projects',
    '      - name: AWS credentials (OIDC)',
    '        uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    '          role-to-assume: ${{ vars.OFFLOAD_AWS_ROLE_ARN }}',
    `          aws-region: ${plan.region ? q(plan.region) : '${{ vars.AWS_REGION }}'}`,
    '      - name: offload run',
    '        env:',
    `          ENTRY: \${{ inputs.entry || '${byDefault}' }}`,
    '        run: offload run "$ENTRY" --junit "$RUNNER_TEMP/offload/aws-junit.xml"',
    ...keep('offload-aws'),
    '',
  ].join('\n');
}
