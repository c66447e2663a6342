/**
 * Which CI platform runs `offload` (from the variables each one sets), so the CLI follows its conventions:
 * GitHub Actions' workflow commands and job summary, GitLab's collapsible sections, CodeBuild's plain log.
 */

/** The CI platforms Offload knows by name; `generic` is any other CI that sets `CI`. */
export type CiPlatformId = 'github' | 'gitlab' | 'codebuild' | 'generic';

/** A detected CI platform. */
export interface CiPlatform {
  id: CiPlatformId;
  /** Its name, as its users say it. */
  name: string;
  /** The URL of this job's log, where the platform says it. */
  jobUrl?: string;
}

const truthy = (v: string | undefined) =>
  v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

/** The CI platform these environment variables describe, or undefined outside CI. */
export function detectCi(env: NodeJS.ProcessEnv): CiPlatform | undefined {
  if (env.GITHUB_ACTIONS === 'true') {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
    return {
      id: 'github',
      name: 'GitHub Actions',
      ...(server && repo && run ? { jobUrl: `${server}/${repo}/actions/runs/${run}` } : {}),
    };
  }
  if (truthy(env.GITLAB_CI))
    return { id: 'gitlab', name: 'GitLab CI', ...(env.CI_JOB_URL ? { jobUrl: env.CI_JOB_URL } : {}) };
  if (env.CODEBUILD_BUILD_ID) {
    return {
      id: 'codebuild',
      name: 'AWS CodeBuild',
      ...(env.CODEBUILD_BUILD_URL ? { jobUrl: env.CODEBUILD_BUILD_URL } : {}),
    };
  }
  if (truthy(env.CI)) return { id: 'generic', name: 'CI' };
  return undefined;
}
