// The plan every generated CI file follows: which entry point runs first, which the AWS job offers, the deploy
// environment and the Node version.
import { describe, expect, it } from 'vitest';
import { ciFile, ciPlan, nodeMajor } from '../../main/core/ci/plan';
import type { PhaseId } from '../../main/core/vocabulary';

const WORKFLOWS: Record<string, PhaseId[]> = {
  local: ['local'],
  services: ['local', 'aws-prepare', 'aws-deploy'],
  full: ['local', 'aws-prepare', 'aws-deploy', 'aws-test', 'shutdown'],
  shutdown: ['shutdown'],
};

describe('ciPlan', () => {
  it('runs local first, offers the AWS entry points with full first, in the team environment', () => {
    expect(
      ciPlan({ project: 'p', workflows: WORKFLOWS, environment: 'dev', nodeVersion: '22.1.0\n' }),
    ).toEqual({
      project: 'p',
      localEntry: 'local',
      awsEntries: ['full', 'services'],
      defaultEntry: 'full',
      environment: 'dev',
      nodeMajor: '22',
      subdir: '',
      slug: '',
    });
  });

  it('a monorepo folder: one file per project where each platform reads it', () => {
    expect(ciPlan({ project: 'p', workflows: WORKFLOWS, subdir: 'services/API_v2' })).toMatchObject({
      subdir: 'services/API_v2',
      slug: 'services-api-v2',
    });
    expect(['github', 'gitlab', 'codebuild'].map((p) => ciFile(p as 'github', 'services/api'))).toEqual([
      '.github/workflows/offload-services-api.yml',
      'services/api/.gitlab-ci.offload.yml',
      'services/api/buildspec.yml',
    ]);
    expect(['github', 'gitlab', 'codebuild'].map((p) => ciFile(p as 'github'))).toEqual([
      '.github/workflows/offload.yml',
      '.gitlab-ci.yml',
      'buildspec.yml',
    ]);
  });

  it('without a team or a Node version file: the aws environment and Node 24', () => {
    const plan = ciPlan({
      project: 'p',
      workflows: { build: ['local'], ship: ['aws-deploy'] },
      region: 'eu-west-1',
    });
    expect(plan).toMatchObject({ localEntry: 'build', awsEntries: ['ship'], defaultEntry: 'ship' });
    expect(plan).toMatchObject({ environment: 'aws', nodeMajor: '24', region: 'eu-west-1' });
  });
});

describe('nodeMajor', () => {
  it('reads .node-version and .nvmrc forms, and falls back to 24 on anything else', () => {
    expect(['24.21.0', 'v20', ' 18.2.1\n', '22 # lts'].map(nodeMajor)).toEqual(['24', '20', '18', '22']);
    expect(['lts/iron', '', 'node', 'v', '1234'].map(nodeMajor)).toEqual(['24', '24', '24', '24', '24']);
    expect(nodeMajor(undefined)).toBe('24');
  });
});

describe('a region that is not a plain region name', () => {
  it('is never written into a CI file, where GitHub would evaluate ${{ }} and GitLab expand $VAR', async () => {
    const { githubWorkflow } = await import('../../main/core/ci/github-workflow');
    const { gitlabPipeline } = await import('../../main/core/ci/gitlab-pipeline');
    const { codebuildBuildspec } = await import('../../main/core/ci/codebuild-buildspec');
    for (const region of ['${{ secrets.NPM_TOKEN }}', '$CI_JOB_TOKEN', 'eu-west-1"\nx: y']) {
      const input = { project: 'p', workflows: WORKFLOWS, region };
      expect(ciPlan(input).region).toBeUndefined();
      for (const text of [githubWorkflow(input), gitlabPipeline(input), codebuildBuildspec(input)]) {
        expect(text).not.toContain('NPM_TOKEN');
        expect(text).not.toContain('$CI_JOB_TOKEN');
        expect(text).not.toContain('x: y');
      }
    }
    expect(githubWorkflow({ project: 'p', workflows: WORKFLOWS, region: 'us-gov-west-1' })).toContain(
      'aws-region: "us-gov-west-1"',
    );
  });
});
