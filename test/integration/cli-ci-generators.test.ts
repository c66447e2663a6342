// `offload ci gitlab` and `offload ci codebuild` write files their platforms' schemas accept, with the rule's shape
// (local first, AWS by the platform's own credentials, one deploy at a time per environment, JUnit reports), and
// the commands they hold run as written: the reports land where the file tells the platform to look.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, runCli, tempDataDir } from '../helpers/cli';
import { ciSchemaErrors } from '../helpers/ci-schema';

const PROJECT = `name: game-backend
aws:
  region: eu-west-1
phases:
  local:
    steps:
      - name: colourful test
        run: printf '\\033[31mred\\033[0m ok\\n'
`;

type Job = {
  stage?: string;
  extends?: string;
  needs?: string[];
  image?: string;
  environment?: { name: string };
  resource_group?: string;
  id_tokens?: Record<string, { aud: string }>;
  before_script?: string[];
  script?: string[];
  after_script?: string[];
  artifacts?: { when: string; paths: string[]; reports: { junit: string } };
};

/** A folder with an `offload` command that runs the built CLI, as `npm install --global` would give. */
function offloadOnPath(): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bin-'));
  fs.writeFileSync(path.join(bin, 'offload'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

/** Runs CI shell lines as the platform would (one shell, stop at the first failure), in `cwd`. */
function sh(lines: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync('bash', ['-ec', lines.join('\n')], { cwd, env, encoding: 'utf8', timeout: 20_000 });
}

/** The environment of a CI job: no colour settings of the test runner's, Offload on PATH. */
function jobEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${offloadOnPath()}:${process.env.PATH}`, ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CODEBUILD_BUILD_ID', 'CI'])
    if (!(k in extra)) delete env[k];
  return env;
}

const notInstall = (l: string) => !l.includes('OFFLOAD_PACKAGE');

describe('offload ci gitlab', () => {
  it('writes a .gitlab-ci.yml GitLab’s schema accepts: local stage first, AWS by ID token, one deploy per environment', async () => {
    const dir = makeProject(PROJECT, { '.node-version': 'v22.3.0\n' });
    const r = await runCli(['ci', 'gitlab', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });
    expect(r.code).toBe(0);
    const file = path.join(dir, '.gitlab-ci.yml');
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(r.stdout).toContain('Next: add an IAM OIDC identity provider');
    const text = fs.readFileSync(file, 'utf8');
    expect(ciSchemaErrors('gitlab-ci.json', text)).toEqual([]);

    const ci = parse(text) as Record<string, Job> & {
      stages: string[];
      variables: Record<string, string | { value: string; options: string[] }>;
    };
    expect(ci.stages).toEqual(['local', 'aws']);
    expect(ci['.offload']!.image).toBe('node:22');
    expect(ci['.offload']!.before_script).toContain('offload trust --yes');
    expect(ci['.offload']!.artifacts).toEqual({
      when: 'always',
      name: 'offload-$CI_JOB_NAME',
      paths: ['.offload-ci/'],
      reports: { junit: '.offload-ci/reports/*.xml' },
    });
    expect(ci.local).toMatchObject({ extends: '.offload', stage: 'local' });
    expect(ci.local!.script).toEqual(['offload run local --junit "$OFFLOAD_HOME/reports/local-junit.xml"']);
    expect(ci.aws).toMatchObject({
      extends: '.offload',
      stage: 'aws',
      needs: ['local'],
      environment: { name: 'aws' },
      resource_group: 'offload-aws',
      id_tokens: { OFFLOAD_ID_TOKEN: { aud: 'https://gitlab.com' } },
    });
    expect(ci.aws!.script).toContain(
      'export AWS_ROLE_ARN="$OFFLOAD_AWS_ROLE_ARN" AWS_WEB_IDENTITY_TOKEN_FILE="$OFFLOAD_HOME/id-token" AWS_ROLE_SESSION_NAME="offload-$CI_PROJECT_ID-$CI_PIPELINE_ID"',
    );
    expect(ci.aws!.script!.at(-1)).toBe(
      'offload run "$OFFLOAD_ENTRY" --junit "$OFFLOAD_HOME/reports/aws-junit.xml"',
    );
    expect(ci.variables.OFFLOAD_ENTRY).toMatchObject({
      value: 'full',
      options: ['full', 'services', 'infrastructure', 'test'],
    });
    expect(ci.variables.AWS_REGION).toBe('eu-west-1');
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);

    // The local job as written (without the npm install): its JUnit report is where artifacts:reports:junit looks.
    const env = jobEnv({
      GITLAB_CI: 'true',
      OFFLOAD_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'offload-home-')),
    });
    const job = sh([...ci['.offload']!.before_script!.filter(notInstall), ...ci.local!.script!], dir, env);
    expect(job.status, job.stderr).toBe(0);
    expect(job.stdout).toMatch(/section_start:\d+:local_/);
    expect(sh(ci['.offload']!.after_script!, dir, env).status).toBe(0);
    const junit = fs.readFileSync(path.join(dir, '.offload-ci', 'reports', 'local-junit.xml'), 'utf8');
    expect(junit).toContain('<testcase classname="game-backend.local" name="colourful test"');
    expect(fs.readdirSync(path.join(dir, '.offload-ci', 'projects')).length).toBe(1);

    const again = await runCli(['ci', 'gitlab', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already exists; use --force`);
    fs.writeFileSync(file, 'edited\n');
    const forced = await runCli(['ci', 'gitlab', '--force', '--data-dir', tempDataDir()], {
      cwd: dir,
      untrusted: true,
    });
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('one deploy at a time in the team lock’s environment (offload.yml team.environment)', async () => {
    const dir = makeProject(
      PROJECT.replace('phases:', 'team:\n  evidence: s3://acme/offload\n  environment: dev\nphases:'),
    );
    const r = await runCli(['ci', 'gitlab', '--stdout', '--data-dir', tempDataDir()], {
      cwd: dir,
      untrusted: true,
    });
    expect(r.code).toBe(0);
    expect(ciSchemaErrors('gitlab-ci.json', r.stdout)).toEqual([]);
    expect((parse(r.stdout) as Record<string, Job>).aws).toMatchObject({
      environment: { name: 'dev' },
      resource_group: 'offload-dev',
    });
    expect(fs.existsSync(path.join(dir, '.gitlab-ci.yml'))).toBe(false);
  });

  it('the GitLab schema used here rejects a misspelt key, a resource_group list and an ID token without aud', () => {
    expect(ciSchemaErrors('gitlab-ci.json', 'build:\n  scirpt: [make]\n')).not.toEqual([]);
    expect(ciSchemaErrors('gitlab-ci.json', 'build:\n  script: [make]\n  resource_group: [a]\n')).not.toEqual(
      [],
    );
    expect(
      ciSchemaErrors('gitlab-ci.json', 'build:\n  script: [make]\n  id_tokens:\n    T: {}\n'),
    ).not.toEqual([]);
  });
});

describe('offload ci codebuild', () => {
  it('writes a buildspec.yml with the service role, the team lock, and a JUnit report group', async () => {
    const dir = makeProject(PROJECT);
    const r = await runCli(['ci', 'codebuild', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true });
    expect(r.code).toBe(0);
    const file = path.join(dir, 'buildspec.yml');
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(r.stdout).toContain('team lock keeps deploys one at a time');
    const text = fs.readFileSync(file, 'utf8');
    expect(ciSchemaErrors('buildspec.schema.json', text)).toEqual([]);
    expect(text).toMatch(/^# AWS credentials: the CodeBuild project's service role/m);
    expect(text).toMatch(
      /^# One deploy at a time: CodeBuild has no concurrency groups .*the Offload team lock/m,
    );
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);

    const spec = parse(text) as {
      version: number;
      env: { variables: Record<string, string> };
      phases: Record<
        string,
        { 'runtime-versions'?: Record<string, number>; commands: string[]; finally?: string[] }
      >;
      reports: Record<string, { files: string[]; 'base-directory': string; 'file-format': string }>;
      artifacts: { files: string[]; 'base-directory': string };
    };
    expect(spec.version).toBe(0.2);
    expect(Object.keys(spec.phases)).toEqual(['install', 'build']);
    expect(spec.phases.install!['runtime-versions']).toEqual({ nodejs: 24 });
    expect(spec.phases.build!.commands).toEqual([
      'offload trust --yes',
      'offload run local --junit "$OFFLOAD_HOME/reports/local-junit.xml"',
      'offload run "$OFFLOAD_ENTRY" --junit "$OFFLOAD_HOME/reports/aws-junit.xml"',
    ]);
    expect(spec.env.variables).toMatchObject({
      NO_COLOR: '1',
      OFFLOAD_ENTRY: 'full',
      AWS_REGION: 'eu-west-1',
    });
    expect(spec.reports).toEqual({
      offload: { files: ['*.xml'], 'base-directory': 'offload-reports', 'file-format': 'JUNITXML' },
    });
    expect(spec.artifacts).toMatchObject({ files: ['**/*'], 'base-directory': 'offload-reports' });

    const again = await runCli(['ci', 'codebuild', '--data-dir', tempDataDir()], {
      cwd: dir,
      untrusted: true,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already exists; use --force`);
  });

  it('on CodeBuild the run is a plain log without colours, and its JUnit file lands where reports: looks', async () => {
    const dir = makeProject(PROJECT);
    expect(
      (await runCli(['ci', 'codebuild', '--data-dir', tempDataDir()], { cwd: dir, untrusted: true })).code,
    ).toBe(0);
    const spec = parse(fs.readFileSync(path.join(dir, 'buildspec.yml'), 'utf8')) as {
      phases: { install: { commands: string[] }; build: { commands: string[]; finally: string[] } };
      reports: { offload: { 'base-directory': string } };
    };
    // CodeBuild's own variables, and no NO_COLOR: colour stays off because the log is not a terminal.
    const env = jobEnv({
      CODEBUILD_BUILD_ID: 'game-backend:0b1c',
      CI: 'true',
      OFFLOAD_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'offload-home-')),
    });
    const build = sh(
      [
        ...spec.phases.install.commands.filter(notInstall),
        ...spec.phases.build.commands.filter((c) => !c.includes('OFFLOAD_ENTRY')),
      ],
      dir,
      env,
    );
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout + build.stderr).not.toContain('\x1b');
    expect(build.stdout).not.toMatch(/::group::|section_start/);
    expect(build.stdout).toContain('red ok');
    expect(sh(spec.phases.build.finally, dir, env).status).toBe(0);
    const reports = path.join(dir, spec.reports.offload['base-directory']);
    expect(fs.readdirSync(reports).filter((f) => f.endsWith('.xml'))).toEqual(['local-junit.xml']);
    expect(fs.readFileSync(path.join(reports, 'local-junit.xml'), 'utf8')).toMatch(
      /<testsuites name="offload run local — game-backend" tests="1" failures="0"/,
    );
  });

  it('the buildspec schema used here rejects an unknown key and runtime-versions outside install', () => {
    const ok = 'version: 0.2\nphases:\n  build:\n    commands: [make]\n';
    expect(ciSchemaErrors('buildspec.schema.json', ok)).toEqual([]);
    expect(ciSchemaErrors('buildspec.schema.json', ok + 'report:\n  x: {files: [a]}\n')).not.toEqual([]);
    expect(
      ciSchemaErrors(
        'buildspec.schema.json',
        'version: 0.2\nphases:\n  build:\n    runtime-versions: {nodejs: 24}\n',
      ),
    ).not.toEqual([]);
    expect(ciSchemaErrors('buildspec.schema.json', ok.replace('0.2', '0.3'))).not.toEqual([]);
  });
});
