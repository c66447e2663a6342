import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SCHEMA_URL,
  initConfig,
  loadConfig,
  type OffloadConfig,
  type StepConfig,
} from '../../main/core/config';
import { TEST_OPTS } from '../fixtures/configs/kinds';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-config-init-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

/** Makes a project folder with these files (path -> content). */
function project(files: Record<string, string>, name = `proj${++counter}`): string {
  const dir = path.join(tmpRoot, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs initConfig, writes the text as offload.yml and loads it: it must load cleanly. */
function initAndLoad(dir: string): { text: string; findings: string[]; config: OffloadConfig } {
  const { text, findings } = initConfig(dir);
  expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, text);
  const config = loadConfig(file, TEST_OPTS);
  return { text, findings, config };
}

const runs = (steps: StepConfig[]) =>
  steps.map((s) => (s.kind === 'run' ? s.spec : `${s.kind}: ${String(s.spec)}`));

// The generated commands are POSIX shell; these tests run them with sh/bash where those exist.
const posix = process.platform !== 'win32';

/** Runs a TODO placeholder's command with sh: it must fail and say TODO. */
function expectFailingPlaceholder(step: StepConfig | undefined): void {
  expect(step?.name).toMatch(/^TODO: /);
  expect(String(step?.spec)).toMatch(/^echo "TODO: .*" && exit 1$/);
  if (!posix) return;
  const r = spawnSync('sh', ['-c', String(step?.spec)], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^TODO: /);
}

describe('initConfig detectors (each result loads cleanly)', () => {
  it('package.json scripts with a lockfile: npm ci, lint, build, test; start as a hint', () => {
    const dir = project({
      'package.json': JSON.stringify({
        name: '@acme/web-api',
        scripts: { build: 'tsc', test: 'vitest run', lint: 'eslint .', start: 'node dist/server.js' },
      }),
      'package-lock.json': '{}',
    });
    const { config, findings, text } = initAndLoad(dir);
    expect(config.name).toBe('web-api');
    expect(runs(config.phases.local.steps)).toEqual([
      'npm ci',
      'npm run lint',
      'npm run build',
      'npm run test',
    ]);
    expect(config.phases.local.steps[0]?.timeoutMs).toBe(600_000);
    expect(findings[0]).toMatch(/^package\.json: scripts build, lint, test, start; install with `npm ci`/);
    expect(text).toContain('# package.json has a start script (`npm run start`)');
    // AWS phases: failing placeholders, clearly marked TODO.
    expectFailingPlaceholder(config.phases['aws-deploy'].steps[0]);
    expectFailingPlaceholder(config.phases['aws-test'].steps[0]);
    expect(text).toMatch(/# TODO: deploy your services and models/);
    expect(config.phases['aws-prepare'].steps).toEqual([]);
  });

  it('package.json without a lockfile or test script: npm install and a failing TODO test step', () => {
    const dir = project({
      'package.json': JSON.stringify({
        scripts: { build: 'make', test: 'echo "Error: no test specified" && exit 1' },
      }),
    });
    const { config } = initAndLoad(dir);
    expect(config.name).toBe(path.basename(dir));
    expect(runs(config.phases.local.steps).slice(0, 2)).toEqual(['npm install', 'npm run build']);
    expectFailingPlaceholder(config.phases.local.steps[2]);
  });

  it('pnpm and yarn lockfiles pick their package manager', () => {
    const pnpm = initAndLoad(
      project({ 'package.json': '{"scripts":{"test":"jest"}}', 'pnpm-lock.yaml': '' }),
    ).config;
    expect(runs(pnpm.phases.local.steps)).toEqual(['pnpm install --frozen-lockfile', 'pnpm run test']);
    const yarn = initAndLoad(
      project({ 'package.json': '{"scripts":{"test":"jest"}}', 'yarn.lock': '' }),
    ).config;
    expect(runs(yarn.phases.local.steps)).toEqual(['yarn install --frozen-lockfile', 'yarn run test']);
  });

  it('Python: requirements + pytest, poetry, and a pyproject without pytest', () => {
    const req = initAndLoad(project({ 'requirements.txt': 'flask\npytest==8\n' })).config;
    expect(runs(req.phases.local.steps)).toEqual([
      'python -m pip install -r requirements.txt',
      'python -m pytest',
    ]);
    const ini = initAndLoad(
      project({ 'pyproject.toml': '[project]\nname = "svc"\n', 'pytest.ini': '[pytest]\n' }),
    );
    expect(ini.config.name).toBe('svc');
    expect(runs(ini.config.phases.local.steps)).toEqual(['python -m pip install -e .', 'python -m pytest']);
    expect(ini.findings).toEqual(['Python (pyproject.toml, pytest.ini): pytest']);
    const poetry = initAndLoad(
      project({
        'pyproject.toml': '[tool.poetry]\nname = "p"\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n',
      }),
    ).config;
    expect(runs(poetry.phases.local.steps)).toEqual(['poetry install', 'poetry run pytest']);
    const bare = initAndLoad(project({ 'pyproject.toml': '[project]\nname = "bare"\n' })).config;
    expect(runs(bare.phases.local.steps)[0]).toBe('python -m pip install -e .');
    expectFailingPlaceholder(bare.phases.local.steps[1]);
  });

  it('Dockerfile: local build, then a tagged push that publishes the image output', () => {
    const dir = project({ Dockerfile: 'FROM scratch\n', 'package.json': '{"name":"shop"}' });
    const { config, text } = initAndLoad(dir);
    expect(runs(config.phases.local.steps)).toContain('docker build -t shop:local .');
    const push = config.phases['aws-prepare'].steps[0] as StepConfig;
    expect(push).toMatchObject({ id: 'image', kind: 'run', extra: { shell: 'bash' } });
    expect(text).toMatch(/# TODO: set REGISTRY to your ECR repository URI/);

    // Run the push script for real with bash and a stand-in `docker` on PATH.
    if (!posix) return;
    const bin = path.join(dir, 'fake-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\necho "docker $*" >> "$DOCKER_LOG"\n', {
      mode: 0o755,
    });
    const out = path.join(dir, 'outputs.txt');
    const dockerLog = path.join(dir, 'docker.log');
    const env = {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      OFFLOAD_OUTPUT: out,
      DOCKER_LOG: dockerLog,
    };
    const missing = spawnSync('bash', ['-c', String(push.spec)], {
      cwd: dir,
      env: { ...env, REGISTRY: '' },
      encoding: 'utf8',
    });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/TODO: set REGISTRY/);
    expect(fs.existsSync(out)).toBe(false);
    const ok = spawnSync('bash', ['-c', String(push.spec)], {
      cwd: dir,
      env: { ...env, REGISTRY: '123.dkr.ecr.eu-west-1.amazonaws.com/shop' },
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    const image = /^image=(.+)$/m.exec(fs.readFileSync(out, 'utf8'))?.[1];
    expect(image).toMatch(/^123\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop:[\w.-]+-\d{14}$/);
    expect(fs.readFileSync(dockerLog, 'utf8')).toBe(`docker build -t ${image} .\ndocker push ${image}\n`);
  });

  it('cdk.json (in a sub-folder): synth locally, deploy in aws-prepare', () => {
    const { config, findings } = initAndLoad(
      project({ 'infra/cdk.json': '{"app":"npx ts-node bin/app.ts"}' }),
    );
    expect(config.phases.local.steps[0]).toMatchObject({ spec: 'npx cdk synth --quiet', cwd: 'infra' });
    expect(config.phases['aws-prepare'].steps[0]).toMatchObject({
      spec: 'npx cdk deploy --all --require-approval never',
      cwd: 'infra',
    });
    expect(findings).toEqual(['cdk.json (in infra/): cdk synth locally, cdk deploy in aws-prepare']);
  });

  it('Terraform: validate locally; init, plan and apply in aws-prepare', () => {
    const { config } = initAndLoad(project({ 'main.tf': 'terraform {}\n' }));
    expect(runs(config.phases.local.steps)).toEqual([
      'terraform init -backend=false -input=false',
      'terraform validate',
    ]);
    expect(runs(config.phases['aws-prepare'].steps)).toEqual([
      'terraform init -input=false',
      'terraform plan -input=false -out=tfplan',
      'terraform apply -input=false tfplan',
    ]);
    expect(config.phases['aws-prepare'].steps[0]?.cwd).toBeUndefined();
  });

  it('docker compose: start and probe published ports locally, stop at shutdown', () => {
    const compose = `services:
  db:
    image: postgres
    ports: ["127.0.0.1:5432:5432"]
  api:
    build: .
    ports:
      - "8080:80"
      - published: 9000
        target: 90
  worker:
    build: .
`;
    const { config, findings } = initAndLoad(project({ 'docker-compose.yml': compose }));
    expect(runs(config.phases.local.steps)).toEqual([
      'docker compose -f docker-compose.yml up -d --build --wait',
      'tcp: 127.0.0.1:5432',
      'tcp: 127.0.0.1:8080',
      'tcp: 127.0.0.1:9000',
    ]);
    expect(config.phases.local.steps[1]?.name).toBe('db answers on port 5432');
    expect(runs(config.phases.shutdown.steps)).toEqual(['docker compose -f docker-compose.yml down']);
    expect(findings[0]).toMatch(/^docker-compose\.yml: services db, api, worker/);
  });

  it('an empty folder: failing TODO build and test steps', () => {
    const { config, findings, text } = initAndLoad(project({}));
    expect(findings).toEqual([]);
    expect(text).toContain('(nothing recognised)');
    expect(config.phases.local.steps).toHaveLength(2);
    for (const s of config.phases.local.steps) expectFailingPlaceholder(s);
  });

  it('everything at once still loads, with unique step ids', () => {
    const dir = project({
      'package.json': '{"name":"all","scripts":{"build":"tsc","test":"vitest"}}',
      'package-lock.json': '{}',
      'requirements.txt': 'pytest\n',
      Dockerfile: 'FROM scratch\n',
      'cdk.json': '{}',
      'infra/main.tf': '',
      'compose.yaml': 'services:\n  db:\n    ports: [5432]\n',
    });
    const { config, findings } = initAndLoad(dir);
    expect(findings).toHaveLength(6);
    const ids = Object.values(config.phases).flatMap((p) => p.steps.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(runs(config.phases.local.steps)).toContain('tcp: 127.0.0.1:5432');
    expect(config.phases['aws-prepare'].steps.map((s) => s.id)).toContain('image');
  });
});
