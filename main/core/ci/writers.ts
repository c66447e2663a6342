/** What `offload ci` writes with, for each CI platform, and where (the repository's layout): one part, loaded by that command. */
export { githubWorkflow } from './github-workflow';
export { gitlabPipeline } from './gitlab-pipeline';
export { codebuildBuildspec } from './codebuild-buildspec';
export { ciFile } from './plan';
export { ciLayout, CiLayoutError } from './repo-layout';
