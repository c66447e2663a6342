/**
 * `offload ci …` in a monorepo, offload.yml in `services/api`: the file goes where the platform reads it (the
 * repository's root for GitHub and GitLab, the folder's own buildspec for CodeBuild), its jobs work in the
 * folder, and a second project in the same repository never overwrites the first's file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli, tempDataDir } from '../helpers/cli';
import { ciJobEnv, notInstall, runJobLines } from '../helpers/ci-job';
import { ciSchemaErrors } from '../helpers/ci-schema';
import { workflowErrors } from '../helpers/github-workflow-parser';

const project = (name: string) => `name: ${name}
aws:
  region: eu-west-1
phases:
  local:
    steps:
      - name: marks its folder
        run: touch ran-here
`;

/** A git repository with two Offload projects, services/api and services/web. */
function monorepo(): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-mono-')));
  execFileSync('git', ['init', '-q', root]);
  for (const name of ['api', 'web']) {
    fs.mkdirSync(path.join(root, 'services', name), { recursive: true });
    fs.writeFileSync(path.join(root, 'services', name, 'offload.yml'), project(name));
  }
  return root;
}

const ci = (cwd: string, ...args: string[]) =>
  runCli(['ci', ...args, '--data-dir', tempDataDir()], { cwd, untrusted: true });

type Workflow = {
  name: string;
  on: { push: { paths?: string[] } };
  defaults?: { run: { 'working-directory': string } };
  jobs: Record<string, { concurrency?: { group: string }; steps: { name?: string; run?: string }[] }>;
};

describe('offload ci in a monorepo', () => {
  it('github: one workflow per project at the repository root, its steps run in the project folder', async () => {
    const root = monorepo();
    const api = path.join(root, 'services', 'api');
    const r = await ci(api, 'github');
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(root, '.github', 'workflows', 'offload-services-api.yml');
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(fs.existsSync(path.join(api, '.github'))).toBe(false);
    const text = fs.readFileSync(file, 'utf8');
    expect(workflowErrors(text, 'offload-services-api.yml')).toEqual([]);
    const wf = parse(text) as Workflow;
    expect(wf.defaults).toEqual({ run: { 'working-directory': 'services/api' } });
    expect(wf.on.push.paths).toEqual(['services/api/**', '.github/workflows/offload-services-api.yml']);
    expect(wf.jobs.aws!.concurrency!.group).toBe('offload-services-api-aws-${{ github.ref_name }}');

    // The local job's run steps, each from the working directory GitHub gives them.
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-runner-'));
    const env = ciJobEnv({
      GITHUB_ACTIONS: 'true',
      RUNNER_TEMP: temp,
      OFFLOAD_HOME: path.join(temp, 'offload'),
    });
    const steps = wf.jobs.local!.steps.filter(
      (s) => s.run && notInstall(s.run) && !s.run.includes('GITHUB_ENV'),
    );
    expect(steps.map((s) => s.run)).toEqual([
      'offload trust --yes',
      'offload run local --junit "$RUNNER_TEMP/offload/local-junit.xml"',
    ]);
    const job = runJobLines(
      steps.map((s) => s.run!),
      path.join(root, wf.defaults!.run['working-directory']),
      env,
    );
    expect(job.status, job.stdout + job.stderr).toBe(0);
    expect(fs.existsSync(path.join(api, 'ran-here'))).toBe(true);
    expect(fs.readFileSync(path.join(temp, 'offload', 'local-junit.xml'), 'utf8')).toContain(
      '<testcase classname="api.local" name="marks its folder"',
    );

    // The second project's workflow sits beside the first's, which is left as it was.
    const web = await ci(path.join(root, 'services', 'web'), 'github');
    expect(web.code, web.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    const second = parse(
      fs.readFileSync(path.join(root, '.github', 'workflows', 'offload-services-web.yml'), 'utf8'),
    ) as Workflow;
    expect(second.defaults!.run['working-directory']).toBe('services/web');
    expect(second.name).not.toBe(wf.name);

    // A project at the repository's root keeps the one workflow, with no working directory or path filter.
    fs.writeFileSync(path.join(root, 'offload.yml'), project('root'));
    expect((await ci(root, 'github')).code).toBe(0);
    const top = parse(
      fs.readFileSync(path.join(root, '.github', 'workflows', 'offload.yml'), 'utf8'),
    ) as Workflow;
    expect(top.defaults).toBeUndefined();
    expect(top.on.push.paths).toBeUndefined();
  });

  it('gitlab: the project’s own file, included from the root .gitlab-ci.yml; a second project is told the line to add', async () => {
    const root = monorepo();
    const api = path.join(root, 'services', 'api');
    const r = await ci(api, 'gitlab');
    expect(r.code, r.stderr).toBe(0);
    const own = path.join(api, '.gitlab-ci.offload.yml');
    const rootFile = path.join(root, '.gitlab-ci.yml');
    expect(r.stdout).toContain(`wrote ${own}`);
    expect(r.stdout).toContain(`wrote ${rootFile} including it`);
    const rootText = fs.readFileSync(rootFile, 'utf8');
    expect(parse(rootText)).toEqual({ include: [{ local: 'services/api/.gitlab-ci.offload.yml' }] });
    expect(ciSchemaErrors('gitlab-ci.json', rootText)).toEqual([]);
    const text = fs.readFileSync(own, 'utf8');
    expect(ciSchemaErrors('gitlab-ci.json', text)).toEqual([]);
    type Job = {
      extends?: string;
      needs?: string[];
      rules?: { changes: string[] }[];
      before_script?: string[];
      after_script?: string[];
      script?: string[];
      resource_group?: string;
      artifacts?: { paths: string[]; reports: { junit: string } };
    };
    const pipe = parse(text) as Record<string, Job>;
    const tpl = pipe['.offload-services-api']!;
    expect(tpl.rules).toEqual([{ changes: ['services/api/**/*'] }]);
    expect(tpl.artifacts).toMatchObject({
      paths: ['services/api/.offload-ci/'],
      reports: { junit: 'services/api/.offload-ci/reports/*.xml' },
    });
    expect(pipe['services-api:aws']).toMatchObject({
      needs: ['services-api:local'],
      resource_group: 'offload-services-api-aws',
    });

    // The local job from the repository root (where GitLab starts every script), then its after_script.
    const env = ciJobEnv({
      GITLAB_CI: 'true',
      OFFLOAD_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'offload-home-')),
    });
    const job = runJobLines(
      [...tpl.before_script!.filter(notInstall), ...pipe['services-api:local']!.script!],
      root,
      env,
    );
    expect(job.status, job.stdout + job.stderr).toBe(0);
    expect(fs.existsSync(path.join(api, 'ran-here'))).toBe(true);
    expect(runJobLines(tpl.after_script!, root, env).status).toBe(0);
    expect(
      fs.readFileSync(path.join(root, 'services/api/.offload-ci/reports/local-junit.xml'), 'utf8'),
    ).toContain('<testcase classname="api.local" name="marks its folder"');

    // The second project: its own file; the root file is not rewritten, the user is told what to add.
    const web = await ci(path.join(root, 'services', 'web'), 'gitlab', '--force');
    expect(web.code, web.stderr).toBe(0);
    expect(fs.readFileSync(rootFile, 'utf8')).toBe(rootText);
    expect(web.stdout).toContain('was left as it is');
    expect(web.stdout).toContain('include:\n  - local: "services/web/.gitlab-ci.offload.yml"');
    const webText = fs.readFileSync(path.join(root, 'services', 'web', '.gitlab-ci.offload.yml'), 'utf8');
    expect(ciSchemaErrors('gitlab-ci.json', webText)).toEqual([]);
    // Both files together: no job of one is a job of the other.
    const names = (t: string) =>
      Object.keys(parse(t) as object).filter((k) => !['stages', 'variables'].includes(k));
    expect(names(text).filter((n) => names(webText).includes(n))).toEqual([]);
    // Once included, a rerun says so.
    fs.appendFileSync(rootFile, '  - local: "services/web/.gitlab-ci.offload.yml"\n');
    const again = await ci(path.join(root, 'services', 'web'), 'gitlab', '--force');
    expect(again.stdout).toContain(`${rootFile} includes it already`);
  });

  it('codebuild: the folder’s own buildspec; the build goes into the folder and reports are read under it', async () => {
    const root = monorepo();
    const api = path.join(root, 'services', 'api');
    const r = await ci(api, 'codebuild');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("set the CodeBuild project's buildspec to services/api/buildspec.yml");
    expect(fs.existsSync(path.join(root, 'buildspec.yml'))).toBe(false);
    const text = fs.readFileSync(path.join(api, 'buildspec.yml'), 'utf8');
    expect(ciSchemaErrors('buildspec.schema.json', text)).toEqual([]);
    const spec = parse(text) as {
      phases: { install: { commands: string[] }; build: { commands: string[]; finally: string[] } };
      reports: { offload: { 'base-directory': string } };
      artifacts: { 'base-directory': string };
    };
    expect(spec.reports.offload['base-directory']).toBe('services/api/offload-reports');
    expect(spec.artifacts['base-directory']).toBe('services/api/offload-reports');
    // CodeBuild runs from the source root whatever the buildspec's path.
    const env = ciJobEnv({
      CODEBUILD_BUILD_ID: 'api:1',
      CODEBUILD_SRC_DIR: root,
      CI: 'true',
      OFFLOAD_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'offload-home-')),
    });
    const build = runJobLines(
      [
        ...spec.phases.install.commands.filter(notInstall),
        ...spec.phases.build.commands.filter((c) => !c.includes('OFFLOAD_ENTRY')),
      ],
      root,
      env,
    );
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(fs.existsSync(path.join(api, 'ran-here'))).toBe(true);
    expect(runJobLines(spec.phases.build.finally, root, env).status).toBe(0);
    const reports = path.join(root, spec.reports.offload['base-directory']);
    expect(fs.readdirSync(reports).filter((f) => f.endsWith('.xml'))).toEqual(['local-junit.xml']);
  });
});
