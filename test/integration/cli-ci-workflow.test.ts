// `offload ci github` writes a workflow that GitHub's own workflow parser accepts, with the rule's shape: local first, AWS by
// OIDC in one concurrency group per environment.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { workflowErrors } from '../helpers/github-workflow-parser';

const errorsOf = (content: string) => workflowErrors(content, 'offload.yml');

const PROJECT = `name: game-backend
aws:
  region: eu-west-1
phases:
  local:
    steps:
      - run: echo test
`;

describe('offload ci github', () => {
  it('writes a workflow GitHub parses without error, local first and AWS by OIDC', async () => {
    const dir = makeProject(PROJECT);
    const r = await runCli(['ci', 'github', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });
    expect(r.code).toBe(0);
    const file = path.join(dir, '.github/workflows/offload.yml');
    const text = fs.readFileSync(file, 'utf8');
    expect(errorsOf(text)).toEqual([]);
    const wf = parse(text) as {
      on: { workflow_dispatch: { inputs: { entry: { options: string[]; default: string } } } };
      jobs: Record<
        string,
        {
          needs?: string;
          permissions?: Record<string, string>;
          concurrency?: { group: string };
          steps: { uses?: string; run?: string; with?: Record<string, string> }[];
        }
      >;
    };
    expect(Object.keys(wf.jobs)).toEqual(['local', 'aws']);
    expect(wf.jobs.local!.steps.map((s) => s.run).filter(Boolean)).toContain(
      'offload run local --junit "$RUNNER_TEMP/offload/local-junit.xml"',
    );
    expect(wf.jobs.aws!.needs).toBe('local');
    expect(wf.jobs.aws!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(wf.jobs.aws!.concurrency?.group).toBe('offload-aws-${{ github.ref_name }}');
    const creds = wf.jobs.aws!.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
    expect(creds?.with).toEqual({
      'role-to-assume': '${{ vars.OFFLOAD_AWS_ROLE_ARN }}',
      'aws-region': 'eu-west-1',
    });
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key/);
    // Offload comes from where the team says, never from a default package name anyone could publish.
    expect((wf as unknown as { env: Record<string, string> }).env.OFFLOAD_PACKAGE).toBe(
      '${{ vars.OFFLOAD_PACKAGE }}',
    );
    expect(text).toContain('if [ -z "$OFFLOAD_PACKAGE" ]; then');
    // Both jobs trust the file visibly, as a step of their own.
    for (const job of Object.values(wf.jobs))
      expect(job.steps.some((s) => s.run === 'offload trust --yes')).toBe(true);
    // The entry points that touch AWS, the rule's whole order first.
    expect(wf.on.workflow_dispatch.inputs.entry.options).toEqual([
      'full',
      'services',
      'infrastructure',
      'test',
    ]);
    expect(wf.on.workflow_dispatch.inputs.entry.default).toBe('full');

    const again = await runCli(['ci', 'github', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; use --force');
  });

  it('the parser used here does reject a broken workflow', () => {
    const broken =
      'name: x\non: push\njobs:\n  a:\n    steps:\n      - run: echo\n        uses: actions/checkout@v4\n';
    expect(errorsOf(broken).length).toBeGreaterThan(0);
  });
});
