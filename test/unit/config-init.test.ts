// `offload init` as a function: what it writes for each project shape, given what is installed (a fake
// toolchain), and that the text always loads with the real step kinds and sections.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, type OffloadConfig, type StepConfig } from '../../main/core/config';
import { initConfig, type Toolchain } from '../../main/core/init';
import { PYTEST_PROBE } from '../../main/core/init/detect-python';
import { awsEnvName, localModelServer } from '../../main/core/init/model-endpoints';
import { schemaReference, shippedSchemaFile } from '../../main/core/init/schema-ref';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA = path.join(ROOT, 'offload.schema.json');
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-config-init-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

/** Makes a project folder with these files (path -> content). */
function project(files: Record<string, string>, name = `proj${++counter}`): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** A machine with these executables on PATH; `passing` lists the probe command lines that exit 0. */
function machine(installed: string[] = ['python3'], passing: string[] = []): Toolchain {
  return {
    which: (name) => (installed.includes(name) ? `/usr/bin/${name}` : undefined),
    succeeds: (command, args) => passing.includes([command, ...args].join(' ')),
  };
}

const PYTEST = ['python3', ...PYTEST_PROBE].join(' ');

/** Runs initConfig, writes the text as offload.yml and loads it with the real registry: it must load cleanly. */
function initAndLoad(
  dir: string,
  tools: Toolchain = machine(),
): { text: string; findings: string[]; config: OffloadConfig; doc: Record<string, unknown> } {
  const init = initConfig(dir, { tools, schemaFile: SCHEMA });
  const { text } = init;
  const findings = init.findings.filter((f) => !f.step).map((f) => f.text);
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, text);
  const config = loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
  return { text, findings, config, doc: parseYaml(text) as Record<string, unknown> };
}

const runs = (steps: StepConfig[]) =>
  steps.map((s) => (s.kind === 'run' ? s.spec : `${s.kind}: ${JSON.stringify(s.spec)}`));

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

describe('initConfig: Node', () => {
  it('package.json with dependencies and a lockfile: npm ci, lint, build, test; start as a hint', () => {
    const dir = project({
      'package.json': JSON.stringify({
        name: '@acme/web-api',
        scripts: { build: 'tsc', test: 'vitest run', lint: 'eslint .', start: 'node dist/server.js' },
        dependencies: { express: '^4.0.0' },
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
    expect(findings[0]).toMatch(
      /^package\.json: scripts build, lint, test, start; dependencies installed by `npm ci`/,
    );
    expect(text).toContain('# package.json has a start script (`npm run start`)');
    // AWS phases: failing placeholders, clearly marked TODO.
    expectFailingPlaceholder(config.phases['aws-deploy'].steps[0]);
    expectFailingPlaceholder(config.phases['aws-test'].steps[0]);
    expect(text).toMatch(/# TODO: deploy your services and models/);
    expect(config.phases['aws-prepare'].steps).toEqual([]);
  });

  it('dependencies already installed (node_modules): no install step, a note on how to add one', () => {
    const dir = project({
      'package.json': JSON.stringify({ scripts: { test: 'node --test' }, dependencies: { lodash: '*' } }),
      'package-lock.json': '{}',
      'node_modules/lodash/package.json': '{}',
    });
    const { config, text } = initAndLoad(dir);
    expect(runs(config.phases.local.steps)).toEqual(['npm run test']);
    expect(text).toMatch(/# add `npm ci` as the first step for a clean install on every run/);
  });

  it('no dependencies and no test script: only what exists, and a note instead of a failing step', () => {
    const dir = project({
      'package.json': JSON.stringify({
        scripts: { build: 'make', test: 'echo "Error: no test specified" && exit 1' },
      }),
    });
    const { config, text } = initAndLoad(dir);
    expect(config.name).toBe(path.basename(dir));
    expect(runs(config.phases.local.steps)).toEqual(['npm run build']);
    expect(text).toMatch(/# package\.json has no test script/);
  });

  it('pnpm and yarn lockfiles pick their package manager', () => {
    const deps = { scripts: { test: 'jest' }, devDependencies: { jest: '*' } };
    const pnpm = initAndLoad(project({ 'package.json': JSON.stringify(deps), 'pnpm-lock.yaml': '' })).config;
    expect(runs(pnpm.phases.local.steps)).toEqual(['pnpm install --frozen-lockfile', 'pnpm run test']);
    const yarn = initAndLoad(project({ 'package.json': JSON.stringify(deps), 'yarn.lock': '' })).config;
    expect(runs(yarn.phases.local.steps)).toEqual(['yarn install --frozen-lockfile', 'yarn run test']);
  });
});

describe('initConfig: Python', () => {
  const flat = {
    'pyproject.toml': '[project]\nname = "shop"\n',
    'inventory/__init__.py': '',
    'pricing/__init__.py': '',
    'tests/test_stock.py': 'import unittest\n',
  };

  it('flat layout with unittest: unittest discovery with python3, no pip install -e . (it would fail)', () => {
    const { config, findings, text } = initAndLoad(project(flat));
    expect(config.name).toBe('shop');
    expect(runs(config.phases.local.steps)).toEqual(['python3 -m unittest discover -s tests']);
    expect(findings).toEqual(['Python (pyproject.toml, tests/): unittest with python3']);
    expect(text).toMatch(/# \(pip install -e \. needs \[tool\.setuptools\] packages/);
  });

  it('uses python when python3 is not on PATH; a tests package is discovered from the top', () => {
    const dir = project({ ...flat, 'tests/__init__.py': '' });
    const { config } = initAndLoad(dir, machine(['python']));
    expect(runs(config.phases.local.steps)).toEqual(['python -m unittest discover -s tests -t .']);
  });

  it('src layout with pytest in requirements.txt: a .venv with it installed, then pytest with PYTHONPATH=src', () => {
    const files = {
      'requirements.txt': 'pytest>=7\n',
      'src/textstats/__init__.py': '',
      'tests/test_counts.py': 'def test_x():\n    assert True\n',
    };
    // pytest need not be importable here: the first step installs it.
    const { config, findings } = initAndLoad(project(files), machine(['python3']));
    const [venv, tests] = config.phases.local.steps;
    expect(venv).toMatchObject({
      id: 'venv',
      spec: expect.stringContaining('"-r", "requirements.txt"'),
    });
    expect(tests).toMatchObject({
      spec: '${{ steps.venv.outputs.python }} -m pytest',
      env: { PYTHONPATH: 'src' },
    });
    expect(findings[0]).toMatch(/: dependencies installed into \.venv, pytest$/);
  });

  it('pytest declared but not importable: byte-compiles the sources and says how to run the tests', () => {
    const files = {
      'pytest.ini': '[pytest]\n',
      'src/textstats/__init__.py': '',
      'tests/test_counts.py': 'def test_x():\n    assert True\n',
    };
    const { config, findings, text } = initAndLoad(project(files));
    expect(runs(config.phases.local.steps)).toEqual(['python3 -m compileall -q src tests']);
    expect(findings[0]).toMatch(/: byte-compile only with python3$/);
    expect(text).toMatch(/# pytest is declared, but `python3 -c "import pytest"` failed/);
  });

  it('pytest tests that use unittest.mock are pytest tests, not unittest ones (LocalAI)', () => {
    const pytestFile =
      'import pytest\nfrom unittest.mock import MagicMock\n\ndef test_x():\n    assert MagicMock()\n';
    const dir = project({ 'tests/test_backend.py': pytestFile });
    const usable = machine(['python3'], [`python3 ${PYTEST_PROBE.join(' ')}`]);
    expect(runs(initAndLoad(dir, usable).config.phases.local.steps)).toEqual(['python3 -m pytest']);
    // pytest missing: not `unittest discover`, which would find no TestCase and pass on nothing
    const { config, text } = initAndLoad(project({ 'tests/test_backend.py': pytestFile }));
    expect(runs(config.phases.local.steps)).not.toContainEqual(expect.stringMatching(/unittest/));
    expect(text).toMatch(/pytest is what the tests need/);
    // unittest itself still means unittest
    const classic = project({
      'tests/test_old.py':
        'import unittest\nfrom unittest import mock\n\nclass T(unittest.TestCase):\n    pass\n',
    });
    expect(runs(initAndLoad(classic).config.phases.local.steps)).toEqual([
      expect.stringMatching(/-m unittest discover/),
    ]);
    for (const line of [
      'import unittest as ut',
      'import unittest  # the standard library',
      'import unittest, os',
    ])
      expect(
        runs(initAndLoad(project({ 'tests/test_b.py': `${line}\n` })).config.phases.local.steps),
      ).toEqual([expect.stringMatching(/-m unittest discover/)]);
    // unittest.mock alone says nothing: no test runner is chosen from it
    expect(
      runs(initAndLoad(project({ 'tests/test_c.py': 'import unittest.mock\n' })).config.phases.local.steps),
    ).not.toContainEqual(expect.stringMatching(/unittest discover/));
  });

  it('poetry: its own install and runner when poetry is installed, else the plain Python', () => {
    const files = {
      'pyproject.toml': '[tool.poetry]\nname = "p"\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n',
      'p/__init__.py': '',
    };
    const withPoetry = initAndLoad(project(files), machine(['python3', 'poetry'])).config;
    expect(runs(withPoetry.phases.local.steps)).toEqual(['poetry install', 'poetry run python -m pytest']);
    const without = initAndLoad(project(files)).config;
    expect(runs(without.phases.local.steps)).toEqual(['python3 -m compileall -q p']);
  });

  it('a script folder without tests: byte-compiles the scripts, notes that there are no tests', () => {
    const { config, text } = initAndLoad(
      project({ 'requirements.txt': 'requests\n', 'render.py': 'print(1)\n', 'setup.py': '' }),
    );
    expect(runs(config.phases.local.steps)).toEqual([
      expect.stringContaining('venv.create(".venv", system_site_packages=True)'),
      '${{ steps.venv.outputs.python }} -m compileall -q render.py',
    ]);
    expect(text).toContain('# No Python tests were found');
  });

  it('a service and a web front end in sub-folders: steps for each, with cwd and the folder in the name', () => {
    const dir = project({
      'api/pyproject.toml': '[project]\nname = "api"\n',
      'api/tests/test_app.py': 'import unittest\n',
      'web/package.json': JSON.stringify({ scripts: { build: 'node build.mjs', test: 'node --test' } }),
    });
    const { config } = initAndLoad(dir);
    expect(config.name).toBe(path.basename(dir));
    expect(config.phases.local.steps.map((s) => [s.name, s.cwd, s.spec])).toEqual([
      ['Build (web)', 'web', 'npm run build'],
      ['Unit tests (web)', 'web', 'npm run test'],
      ['Python tests (api)', 'api', 'python3 -m unittest discover -s tests'],
    ]);
  });
});

describe('initConfig: containers and infrastructure', () => {
  it('Dockerfile: no local docker build (needs the engine), a tagged push that publishes the image output', () => {
    const dir = project({ Dockerfile: 'FROM scratch\n', 'package.json': '{"name":"shop"}' });
    const { config, text } = initAndLoad(dir, machine(['docker']));
    expect(runs(config.phases.local.steps).join('\n')).not.toMatch(/docker/);
    expect(text).toMatch(/# Dockerfile: `docker build -t shop:local \.` needs the Docker engine running/);
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

  it('cdk.json (in a sub-folder): synth locally only with the CDK CLI installed; deploy in aws-prepare', () => {
    const files = { 'infra/cdk.json': '{"app":"node bin/app.js"}' };
    const withCdk = initAndLoad(project(files), machine(['cdk']));
    expect(withCdk.config.phases.local.steps[0]).toMatchObject({
      spec: 'npx cdk synth --quiet',
      cwd: 'infra',
      name: 'CDK synth (infra)',
    });
    expect(withCdk.config.phases['aws-prepare'].steps[0]).toMatchObject({
      spec: 'npx cdk deploy --all --require-approval never',
      cwd: 'infra',
    });
    expect(withCdk.findings).toEqual(['cdk.json (in infra/): cdk synth locally, cdk deploy in aws-prepare']);
    const without = initAndLoad(project(files));
    expect(runs(without.config.phases.local.steps).join('\n')).not.toMatch(/cdk/);
    expect(without.text).toMatch(/# cdk\.json: the AWS CDK CLI was not installed/);
  });

  it('Terraform: fmt (and validate once initialised) with terraform installed, a listing without it', () => {
    const tf = { 'main.tf': 'terraform {}\n' };
    const installed = initAndLoad(project(tf), machine(['terraform'])).config;
    expect(runs(installed.phases.local.steps)).toEqual(['terraform fmt -check -recursive']);
    expect(runs(installed.phases['aws-prepare'].steps)).toEqual([
      'terraform init -input=false',
      'terraform plan -input=false -out=tfplan',
      'terraform apply -input=false tfplan',
    ]);
    expect(installed.phases['aws-prepare'].steps[0]?.cwd).toBeUndefined();
    const initialised = initAndLoad(project({ ...tf, '.terraform/x': '' }), machine(['terraform'])).config;
    expect(runs(initialised.phases.local.steps)).toEqual([
      'terraform fmt -check -recursive',
      'terraform validate',
    ]);
    const missing = initAndLoad(project(tf));
    expect(runs(missing.config.phases.local.steps)).toEqual(['ls *.tf']);
    expect(missing.config.phases.local.steps[0]?.name).toMatch(/not validated: terraform is not installed/);
  });

  it('SAM template: lint with the SAM CLI, build and package in aws-prepare, cloudformation-deploy in aws-deploy (no TODO placeholder)', () => {
    const files = {
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources: {}\n',
      'hello_world/__init__.py': '',
      'tests/unit/test_handler.py': 'def test_x():\n    assert True\n',
    };
    const { config, findings } = initAndLoad(project(files), machine(['python3', 'sam'], [PYTEST]));
    expect(runs(config.phases.local.steps)).toEqual(['python3 -m pytest', 'sam validate --lint']);
    expect(runs(config.phases['aws-prepare'].steps)).toEqual([
      'sam build',
      'sam package --resolve-s3 --output-template-file packaged.yaml',
    ]);
    expect(runs(config.phases['aws-deploy'].steps)).toEqual([
      expect.stringMatching(
        /^cloudformation-deploy: \{"stack":"proj\d+","template":"packaged.yaml","capabilities":\["CAPABILITY_IAM","CAPABILITY_AUTO_EXPAND"\]\}$/,
      ),
    ]);
    expect(findings[1]).toMatch(/^template\.yaml \(AWS SAM\)/);
  });

  it('SAM functions with a FunctionName are invoked and watched (logs, Errors metric) in aws-test', () => {
    const template = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  Chat:',
      '    Type: AWS::Serverless::Function',
      '    Properties: { FunctionName: chat-handler, Handler: app.handler, Role: !GetAtt ChatRole.Arn }',
      '',
    ].join('\n');
    const { config, text } = initAndLoad(project({ 'template.yaml': template }));
    expect(config.phases['aws-test'].steps.map((s) => s.kind)).toEqual([
      'lambda-invoke',
      'cloudwatch-logs-clean',
      'cloudwatch-metric',
    ]);
    expect(config.phases['aws-test'].steps[0]?.spec).toEqual({ function: 'chat-handler', payload: {} });
    expect(text).not.toContain('TODO: check the deployed service');
  });

  it('plain CloudFormation templates: cloudformation-deploy in aws-prepare, IAM capability when it has IAM resources', () => {
    const stack = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties: { AssumeRolePolicyDocument: { Statement: [] }, RoleName: !Sub "${AWS::StackName}-role" }',
      '',
    ].join('\n');
    const { config, findings } = initAndLoad(
      project({ 'infra/network.yaml': stack, 'infra/notes.yaml': 'a: 1\n', 'tests/test_x.py': '' }),
    );
    expect(config.phases['aws-prepare'].steps.map((s) => [s.kind, s.spec])).toEqual([
      [
        'cloudformation-deploy',
        {
          stack: expect.stringMatching(/^proj\d+-network$/),
          template: 'infra/network.yaml',
          capabilities: ['CAPABILITY_NAMED_IAM'],
        },
      ],
    ]);
    expect(findings).toContain(
      'infra/network.yaml (CloudFormation): deployed with cloudformation-deploy in aws-prepare',
    );
  });

  it('a CloudFormation template that does not parse is said and skipped: the written config still validates', () => {
    // yaml's silent parse would hand back the part before the error, which reads as a template
    const broken = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Queue:',
      '    Type: AWS::SQS::Queue',
      '  bad: [',
      '',
    ].join('\n');
    const { config, findings } = initAndLoad(project({ 'template.yaml': broken, 'tests/test_x.py': '' }));
    expect(config.phases['aws-prepare'].steps.filter((s) => s.kind === 'cloudformation-deploy')).toEqual([]);
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^template\.yaml \(CloudFormation, does not parse at line \d+: [^)]+\): skipped; fix it and run offload init again, or add its cloudformation-deploy step yourself$/,
      ),
    );
  });

  it('Helm chart: helm lint with helm installed, helm upgrade --wait in aws-deploy, no Deployment name guessed', () => {
    const files = {
      'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
      'chart/values.yaml': 'services: [cart, checkout]\n',
      'chart/templates/deployment.yaml':
        '{{- range .Values.services }}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ . }}\n{{- end }}\n',
    };
    const withHelm = initAndLoad(project(files), machine(['helm']));
    expect(runs(withHelm.config.phases.local.steps)).toContain('helm lint chart');
    // The chart makes one Deployment per service: none is guessed; the rollout is a commented example to review.
    expect(runs(withHelm.config.phases['aws-deploy'].steps)).toEqual([
      'helm upgrade --install shop chart --wait --timeout 10m',
    ]);
    expect(withHelm.text).toContain(
      '# TODO: review: chart/templates/ has Deployments in deployment.yaml; their names',
    );
    expect(withHelm.text).toMatch(/# {5}eks-rollout:\n\s*# {7}deployment: <deployment name from the chart>/);
    const without = initAndLoad(project(files), machine([]));
    expect(without.text).toContain('# Chart.yaml: helm was not installed when offload init ran');
  });

  it('docker compose: the file is checked and stopped at shutdown only where `docker compose` works', () => {
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
    const files = { 'docker-compose.yml': compose, 'app.py': '' };
    const usable = initAndLoad(project(files), machine(['python3', 'docker'], ['docker compose version']));
    expect(runs(usable.config.phases.local.steps)).toContain(
      'docker compose -f docker-compose.yml config --quiet',
    );
    expect(runs(usable.config.phases.shutdown.steps)).toContain('docker compose -f docker-compose.yml down');
    for (const probe of ['tcp: 127.0.0.1:5432', 'tcp: 127.0.0.1:8080', 'tcp: 127.0.0.1:9000'])
      expect(usable.text).toContain(`#     ${probe}`);
    expect(usable.findings.find((f) => f.startsWith('docker-compose.yml'))).toMatch(
      /services db, api, worker; file checked locally/,
    );
    const absent = initAndLoad(project(files), machine(['python3', 'docker']));
    expect(runs(absent.config.phases.local.steps).join('\n')).not.toMatch(/docker/);
    expect(absent.text).toContain('#     run: docker compose -f docker-compose.yml up -d --build --wait');
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
      'tests/test_a.py': '',
      Dockerfile: 'FROM scratch\n',
      'cdk.json': '{}',
      'infra/main.tf': '',
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\n',
      'compose.yaml': 'services:\n  db:\n    ports: [5432]\n',
      '.env': 'OLLAMA_URL=http://localhost:11434\n',
    });
    const all = ['python3', 'docker', 'cdk', 'terraform', 'sam'];
    const { config, findings } = initAndLoad(dir, machine(all, [PYTEST, 'docker compose version']));
    expect(findings).toHaveLength(8);
    const ids = Object.values(config.phases).flatMap((p) => p.steps.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(config.phases['aws-prepare'].steps.map((s) => s.id)).toContain('image');
  });
});

describe('initConfig: dev-config switch, shutdown and monitor', () => {
  it('finds local model endpoints in .env, JSON and YAML files; never copies secrets', () => {
    const dir = project({
      '.env': [
        '# local dev',
        'MODEL_ENDPOINT=http://localhost:11434',
        'export OPENAI_BASE_URL="http://127.0.0.1:1234/v1"',
        'OPENAI_API_KEY=sk-local-dev-123',
        'LLM_TOKEN=http://localhost:11434',
        'PROXY_URL=http://user:pw@localhost:11434',
        'API_URL=http://localhost:8000',
      ].join('\n'),
      '.env.example': 'MODEL_ENDPOINT=http://localhost:11434\n',
      'web/config.json':
        '{ "assistant": { "baseUrl": "http://localhost:8000/v1" }, "apiUrl": "http://localhost:8080" }',
      'settings.yaml': 'comfy:\n  url: http://127.0.0.1:8188 # ComfyUI\nother: 1\n',
      'package.json': '{"name":"app","scripts":{"test":"node -e 0"}}',
    });
    const { config, doc, text, findings } = initAndLoad(dir);
    expect(doc.switch).toEqual({
      files: [
        {
          path: '.env',
          keys: {
            MODEL_ENDPOINT: { local: 'http://localhost:11434', aws: '${{ env.AWS_MODEL_ENDPOINT }}' },
            OPENAI_BASE_URL: { local: 'http://127.0.0.1:1234/v1', aws: '${{ env.AWS_OPENAI_BASE_URL }}' },
          },
        },
        {
          path: 'settings.yaml',
          keys: { 'comfy.url': { local: 'http://127.0.0.1:8188', aws: '${{ env.AWS_COMFY_URL }}' } },
        },
        {
          path: 'web/config.json',
          keys: {
            'assistant.baseUrl': {
              local: 'http://localhost:8000/v1',
              aws: '${{ env.AWS_ASSISTANT_BASE_URL }}',
            },
          },
        },
      ],
    });
    expect(text).not.toContain('sk-local-dev-123');
    expect(text).not.toContain('user:pw');
    expect(text).toContain(
      '#   AWS_MODEL_ENDPOINT: https://…   # TODO: the AWS endpoint for MODEL_ENDPOINT in .env',
    );
    expect(text).toContain('#   start: ollama serve & lms server start');
    expect(findings).toContain(
      '.env: MODEL_ENDPOINT -> Ollama, OPENAI_BASE_URL -> LM Studio; switched to AWS at shutdown',
    );
    expect(config.phases.shutdown.steps.map((s) => [s.kind, s.spec])).toEqual([
      ['stop-local-models', true],
      ['switch-config', { to: 'aws' }],
    ]);
  });

  it('without switch files: shutdown only stops the local model servers; monitor checks the alarms', () => {
    const { config, doc } = initAndLoad(
      project({ 'package.json': '{"name":"quiet","scripts":{"test":"x"}}' }),
    );
    expect(doc.switch).toBeUndefined();
    expect(runs(config.phases.shutdown.steps)).toEqual(['stop-local-models: true']);
    expect(config.phases.monitor.steps.map((s) => [s.kind, s.spec])).toEqual([
      ['cloudwatch-alarms-ok', { prefixes: ['quiet-'] }],
    ]);
  });

  it('localModelServer: known ports, shared ports only with /v1 or a model key, never secret keys', () => {
    expect(localModelServer('OLLAMA_HOST', '127.0.0.1:11434')).toEqual({ id: 'ollama', title: 'Ollama' });
    expect(localModelServer('BASE', 'http://localhost:8080/v1/')?.id).toBe('llama.cpp');
    expect(localModelServer('API_URL', 'http://localhost:8080')).toBeUndefined();
    expect(localModelServer('LLM_URL', 'http://localhost:8080')?.id).toBe('llama.cpp');
    expect(localModelServer('LLM_URL', 'http://localhost:9999')).toEqual({
      title: 'a model server on port 9999',
    });
    expect(localModelServer('ollama.apiKey', 'http://localhost:11434')).toBeUndefined();
    expect(localModelServer('MODEL_URL', 'https://models.example.com:11434')).toBeUndefined();
    expect(awsEnvName('assistant.baseUrl')).toBe('AWS_ASSISTANT_BASE_URL');
  });
});

describe('initConfig: the $schema reference', () => {
  it("never a path into this machine's Offload install: a comment says how to get editor support", () => {
    expect(shippedSchemaFile(path.join(ROOT, 'main', 'core', 'init'))).toBe(SCHEMA);
    expect(shippedSchemaFile(path.join(ROOT, 'dist'))).toBe(SCHEMA);
    const dir = project({});
    const text = initConfig(dir, { tools: machine(), schemaFile: SCHEMA }).text;
    expect(text).not.toMatch(/^# yaml-language-server/m);
    expect(text).not.toContain(ROOT);
    expect(text.split('\n')[0]).toMatch(/^# Editor completion: Offload ships offload\.schema\.json/);
    expect(initConfig(dir, { tools: machine(), schemaFile: null }).text).not.toContain('Editor completion');
  });

  it('node_modules/offload/… where the project depends on offload; a relative path to a schema in the project', () => {
    const dep = project({ 'package.json': '{"devDependencies": {"offload": "^1.0.0"}}' });
    expect(schemaReference(dep, SCHEMA)).toBe('node_modules/offload/offload.schema.json');
    const own = project({ 'offload.schema.json': '{}' });
    expect(schemaReference(own, path.join(own, 'offload.schema.json'))).toBe('offload.schema.json');
    expect(schemaReference(project({ 'package.json': '{not json' }), SCHEMA)).toBeUndefined();
  });
});
