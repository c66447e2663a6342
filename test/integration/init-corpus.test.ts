// `offload init` on a corpus of small real projects (test/fixtures/init-corpus), through the built CLI: for
// each, the written offload.yml validates and `offload run local` passes without edits, on whatever this
// machine has installed (init only writes steps that can pass here). Copies run in temp folders with a temp
// data dir, so neither the fixtures nor the user's Offload data are touched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { PhaseId } from '../../main/core/workflow/types';
import { findExecutable } from '../../main/core/platform/shell';
import { ROOT, runCli, tempDataDir } from '../helpers/cli';
import { misplacedKinds } from '../helpers/kind-phases';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'init-corpus');
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Step {
  name: string;
  run?: string;
  cwd?: string;
  [kind: string]: unknown;
}
interface Written {
  name: string;
  phases: Record<PhaseId, { steps: Step[] }>;
  switch?: { files: { path: string; keys: Record<string, { local: string; aws: string }> }[] };
}

interface Case {
  name: string;
  /** Make the copy a git work tree (the fingerprint then follows git's file list). */
  git?: boolean;
  /** Brings the copy into the state a developer's checkout is in. */
  prepare?(dir: string): void;
  check?(written: Written, text: string): void;
  /** Uses what init wrote, after `run local` passed. */
  then?(dir: string, env: NodeJS.ProcessEnv): Promise<void>;
  /**
   * What `run local` needs from this machine. Where it is missing, the run fails at its first step with the
   * message given here (naming what is missing), instead of passing.
   */
  needs?: { available: () => boolean; message: RegExp; maybe?: boolean };
}

/** Needs `tool` on PATH; without it the run stops at init's first step naming it. */
const tool = (name: string): Case['needs'] => ({
  available: () => findExecutable(name) !== undefined,
  message: new RegExp(`${name} is not installed here \\(needed by the .+ steps\\): \\S`),
});

/**
 * Maven resolves its plugins from the network unless they are in ~/.m2 already: without it the run may pass
 * (plugins cached) or stop at the Maven step with Maven's own resolution error.
 */
const maven: Case['needs'] = {
  available: () => false,
  maybe: true,
  message: /mvn is not installed here|Maven build and tests[\s\S]*BUILD FAILURE/,
};

/** Needs these Python modules importable here (pip installs offline only what the machine has). */
const pythonHas = (modules: string[], message: RegExp): Case['needs'] => ({
  available: () =>
    spawnSync('python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' }).status ===
    0,
  message,
});

const awsRuns = (w: Written, phase: PhaseId) =>
  w.phases[phase].steps.map(
    (s) => s.run ?? `${Object.keys(s).find((k) => !['name', 'id', 'cwd'].includes(k))}`,
  );

const localRuns = (w: Written) => w.phases.local.steps.map((s) => s.run);
const shutdownKinds = (w: Written) =>
  w.phases.shutdown.steps.map((s) => Object.keys(s).find((k) => k !== 'name'));

const CASES: Case[] = [
  {
    name: 'python-flat-unittest',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toEqual([expect.stringMatching(/-m unittest discover -s tests$/)]);
      // No `pip install -e .` step (it fails on a flat layout): a note says what it needs instead.
      expect(text).toMatch(/# \(pip install -e \. needs \[tool\.setuptools\] packages/);
      expect(w.switch?.files).toEqual([
        {
          path: '.env',
          keys: {
            MODEL_ENDPOINT: { local: 'http://localhost:11434', aws: '${{ env.AWS_MODEL_ENDPOINT }}' },
          },
        },
      ]);
      expect(text).not.toContain('dev-token-not-secret-123');
      expect(shutdownKinds(w)).toEqual(['stop-local-models', 'switch-config']);
    },
    async then(dir, env) {
      // The switch section works as written: AWS values come from the variable it names.
      const unset = await runCli(['switch', 'aws', '--force'], { cwd: dir, env });
      expect(unset.code).not.toBe(0);
      expect(unset.stderr).toMatch(/AWS_MODEL_ENDPOINT is not set/);
      const url = 'https://models.example.com/v1';
      const set = await runCli(['switch', 'aws', '--force'], {
        cwd: dir,
        env: { ...env, AWS_MODEL_ENDPOINT: url },
      });
      expect(set.code, set.stderr).toBe(0);
      const dotenv = fs.readFileSync(path.join(dir, '.env'), 'utf8');
      expect(dotenv).toContain(`MODEL_ENDPOINT=${url}\n`);
      expect(dotenv).toContain('SHOP_API_TOKEN=dev-token-not-secret-123\n');
    },
  },
  {
    name: 'python-src-pytest',
    check(w) {
      // requirements.txt declares pytest: a .venv gets it (from this machine's packages, no network), then pytest.
      const [venv, tests] = w.phases.local.steps;
      expect(venv).toMatchObject({ id: 'venv', shell: 'python' });
      expect(tests).toMatchObject({
        run: '${{ steps.venv.outputs.python }} -m pytest',
        env: { PYTHONPATH: 'src' },
      });
      expect(w.switch?.files[0]).toMatchObject({
        path: 'config.yaml',
        keys: { 'llm.base_url': { local: 'http://127.0.0.1:1234/v1' } },
      });
    },
  },
  {
    name: 'node-npm-test',
    git: true,
    check(w, text) {
      expect(w.name).toBe('slugger');
      expect(localRuns(w)).toEqual(['npm run lint', 'npm run test']);
      // No .env: the keys of .env.example are switched in the .env a developer copies it to.
      expect(w.switch?.files).toEqual([
        {
          path: '.env',
          keys: { OPENAI_BASE_URL: expect.objectContaining({ local: 'http://localhost:11434/v1' }) },
        },
      ]);
      expect(text).toContain('#   cp .env.example .env');
      expect(shutdownKinds(w)).toEqual(['stop-local-models', 'switch-config']);
    },
  },
  {
    name: 'service-and-web',
    git: true,
    check(w) {
      expect(w.phases.local.steps.map((s) => s.cwd)).toEqual(['web', 'web', 'api']);
      expect(w.switch?.files.map((f) => [f.path, Object.keys(f.keys)])).toEqual([
        ['api/.env', ['SUMMARY_LLM_URL']],
        ['web/config.json', ['assistant.baseUrl']],
      ]);
    },
  },
  {
    name: 'compose-stack',
    check(w, text) {
      expect(w.phases.local.steps[0]).toMatchObject({ cwd: 'worker', name: 'Python tests (worker)' });
      expect(text).toContain('#     tcp: 127.0.0.1:11434');
      expect(w.switch?.files[0]?.keys.OLLAMA_HOST?.local).toBe('127.0.0.1:11434');
      expect(text).not.toContain('app:dev@');
    },
  },
  {
    name: 'cdk-app',
    // A checkout whose dependencies are installed: init then writes no install step (the corpus has no
    // node_modules of its own, and installing aws-cdk-lib would need the network).
    prepare: (dir) => fs.mkdirSync(path.join(dir, 'node_modules')),
    check(w) {
      expect(localRuns(w)[0]).toBe('npm run test');
      expect(w.phases['aws-prepare'].steps.map((s) => s.run)).toEqual([
        'npx cdk deploy --all --require-approval never',
      ]);
    },
  },
  {
    name: 'terraform-infra',
    git: true,
    check(w) {
      expect(localRuns(w)[0]).toMatch(/^(terraform fmt -check -recursive|ls \*\.tf)$/);
      expect(w.phases['aws-prepare'].steps).toHaveLength(3);
    },
  },
  {
    name: 'sam-python',
    check(w, text) {
      expect(w.phases['aws-prepare'].steps.map((s) => s.run)).toEqual([
        'sam build',
        'sam package --resolve-s3 --output-template-file packaged.yaml',
      ]);
      // The packaged template goes through a change set; its outputs become the step's.
      expect(w.phases['aws-deploy'].steps).toEqual([
        expect.objectContaining({
          id: 'stack',
          'cloudformation-deploy': {
            stack: expect.any(String),
            template: 'packaged.yaml',
            capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
          },
        }),
      ]);
      // HelloWorldFunction has a generated name: its invoke is a commented example naming what to add.
      expect(text).toMatch(/# {3}- name: HelloWorldFunction answers\n\s*# {5}lambda-invoke:/);
    },
  },
  {
    name: 'k8s-manifests',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toEqual([expect.stringMatching(/-m unittest discover/)]);
      expect(w.phases['aws-deploy'].steps).toEqual([
        expect.objectContaining({ 'eks-rollout': { manifest: 'k8s/deployment.yaml' } }),
      ]);
      expect(text).toContain('# TODO: the cluster: context: <kubeconfig context>');
    },
  },
  {
    name: 'serverless-node',
    git: true,
    check(w) {
      expect(localRuns(w)).toEqual(['npm run test']);
      expect(w.phases['aws-prepare'].steps.map((s) => s.run)).toEqual(['npx serverless package --stage dev']);
      expect(w.phases['aws-deploy'].steps.map((s) => s.run)).toEqual(['npx serverless deploy --stage dev']);
      const fns = ['orders-api-dev-createOrder', 'orders-api-dev-listOrders'];
      expect(w.phases['aws-test'].steps).toEqual([
        expect.objectContaining({ 'lambda-invoke': { function: fns[0], payload: {} } }),
        expect.objectContaining({
          'cloudwatch-logs-clean': { 'log-groups': fns.map((f) => `/aws/lambda/${f}`) },
        }),
        expect.objectContaining({
          'cloudwatch-metric': expect.objectContaining({
            stat: 'Sum',
            threshold: '= 0',
            metrics: fns.map((f) => ({
              namespace: 'AWS/Lambda',
              metric: 'Errors',
              dimensions: { FunctionName: f },
            })),
          }),
        }),
      ]);
    },
  },
  {
    name: 'image-scripts',
    // requests and pillow go into a .venv; pip gets only what this machine has (PIP_NO_INDEX).
    needs: pythonHas(['requests', 'PIL'], /No matching distribution found for (pillow|requests)/),
    check(w) {
      expect(localRuns(w)).toEqual([
        expect.stringContaining('"-r", "requirements.txt"'),
        '${{ steps.venv.outputs.python }} -m compileall -q render_batch.py',
      ]);
      expect(w.switch?.files[0]?.keys['comfyui.url']?.local).toBe('http://127.0.0.1:8188');
    },
  },
  {
    name: 'go-service',
    git: true,
    needs: tool('go'),
    check(w, text) {
      // The Makefile's test target (go test -race, golangci-lint) is the project's; the plain Go commands are used.
      expect(localRuns(w).slice(-2)).toEqual(['go build ./...', 'go test ./...']);
      expect(text).toContain('go.mod (Go, module example.com/greeter)');
      expect(text).not.toMatch(/Nothing to build was recognised/);
    },
  },
  {
    name: 'rust-workspace',
    git: true,
    needs: tool('cargo'),
    check(w) {
      expect(localRuns(w).slice(-2)).toEqual(['cargo build --workspace', 'cargo test --workspace']);
    },
  },
  {
    name: 'make-c',
    git: true,
    needs: tool('make'),
    check(w) {
      expect(localRuns(w).slice(-2)).toEqual(['make', 'make test']);
    },
  },
  {
    name: 'cmake-lib',
    git: true,
    needs: tool('cmake'),
    check(w) {
      expect(localRuns(w).slice(-3)).toEqual([
        'cmake -S . -B build',
        'cmake --build build',
        'ctest --test-dir build --output-on-failure',
      ]);
    },
  },
  {
    name: 'maven-app',
    git: true,
    needs: findExecutable('mvn') ? maven : tool('mvn'),
    check(w) {
      expect(localRuns(w).slice(-1)).toEqual(['mvn -B verify']);
      expect(w.phases['aws-prepare'].steps.map((s) => s.id)).toEqual(['image']);
    },
  },
  {
    name: 'gradle-app',
    git: true,
    needs: tool('gradle'),
    check(w) {
      expect(localRuns(w).slice(-1)).toEqual(['gradle build --no-daemon']);
    },
  },
  {
    name: 'dotnet-webapi',
    git: true,
    needs: tool('dotnet'),
    check(w) {
      // One solution at the top: dotnet finds it without an argument.
      expect(localRuns(w).slice(-2)).toEqual(['dotnet build', 'dotnet test']);
    },
  },
  {
    name: 'unreal-game',
    git: true,
    needs: {
      available: () => Boolean(process.env.UE_ROOT),
      message: /Unreal Engine not found \(Skyhaven\.uproject asks for 5\.3\): set UE_ROOT/,
    },
    check(w) {
      expect(w.phases.local.steps).toEqual([
        expect.objectContaining({
          name: 'Unreal build, cook and package (Skyhaven.uproject)',
          shell: 'bash',
          run: expect.stringContaining('/$UAT" BuildCookRun -project="$PWD/Skyhaven.uproject"') as unknown,
        }),
      ]);
    },
  },

  {
    name: 'copilot-svc',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toEqual([expect.stringMatching(/-m unittest discover$/)]);
      expect(awsRuns(w, 'aws-prepare')).toContain('copilot env deploy --name test');
      expect(awsRuns(w, 'aws-deploy')).toEqual(['copilot svc deploy --name api --env test']);
      expect(text).toMatch(/copilot\/ \(AWS Copilot: api \[Load Balanced Web Service\]; environments test\)/);
    },
  },
  {
    name: 'pulumi-py',
    // pulumi and pulumi-aws go into a .venv; offline, the first step names the one this machine lacks.
    needs: pythonHas(['pulumi', 'pulumi_aws'], /No matching distribution found for pulumi/),
    check(w) {
      expect(w.phases.local.steps[0]).toMatchObject({ id: 'venv', shell: 'python' });
      expect(awsRuns(w, 'aws-prepare')).toEqual([
        'pulumi preview --stack dev --non-interactive',
        'pulumi up --stack dev --yes --non-interactive',
      ]);
    },
  },
  {
    name: 'nested-cfn',
    git: true,
    check(w, text) {
      expect(localRuns(w)[0]).toMatch(
        /^(cfn-lint --non-zero-exit-code error|ls) cloudformation\/alarms\.yaml /,
      );
      // The parent is packaged and deployed once, before the stack that imports its export; children not alone.
      expect(w.phases['aws-prepare'].steps.map((s) => s.name)).toEqual([
        'Package master (nested templates to S3)',
        'Deploy stack master',
        'Deploy stack alarms',
      ]);
      expect(text).toContain(
        'cloudformation/infrastructure/vpc.yaml (CloudFormation): nested stack of cloudformation/master.yaml',
      );
      expect(text).toContain('#   MasterStackName (String), AlertEmail (String)');
    },
  },
  {
    name: 'sam-params',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toEqual(['npm run test']);
      expect(text).toContain(
        'template.yaml: TODO: parameters without a Default (TableName): give them in the deploy step',
      );
    },
  },
  {
    name: 'rule-scripts',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toEqual([expect.stringMatching(/-m unittest discover -s tests$/)]);
      expect(awsRuns(w, 'aws-prepare')).toEqual(['./scripts/aws-deploy-infrastructure.ps1']);
      expect(awsRuns(w, 'aws-deploy')).toEqual(['./scripts/aws-deploy-services.ps1']);
      expect(awsRuns(w, 'aws-test')).toEqual(['./scripts/aws-test-services.ps1']);
      expect(w.phases.shutdown.steps.map((s) => s.run)).toContain('./scripts/shutdown-local-models.ps1');
      expect(text).toContain('scripts/aws-deploy-full.ps1: seen but not used');
    },
  },
  {
    name: 'helm-chart',
    git: true,
    check(w, text) {
      expect(localRuns(w)).toContainEqual(expect.stringMatching(/-m unittest discover$/));
      expect(awsRuns(w, 'aws-deploy')).toEqual([
        'helm upgrade --install shop charts/shop --wait --timeout 10m',
      ]);
      expect(text).toContain('# TODO: review: charts/shop/templates/ has Deployments in deployment.yaml');
    },
  },
  {
    name: 'k8s-microservices',
    git: true,
    check(w) {
      expect(localRuns(w)).toEqual([expect.stringMatching(/-m unittest discover -s tests$/)]);
      expect(w.phases['aws-deploy'].steps.map((s) => s['eks-rollout'])).toEqual([
        { manifest: 'kubernetes-manifests/cartservice.yaml' },
        { manifest: 'kubernetes-manifests/emailservice.yaml' },
      ]);
      expect(w.phases['aws-prepare'].steps.map((s) => s.cwd)).toEqual([
        'src/cartservice',
        'src/emailservice',
      ]);
    },
  },
  {
    name: 'ollama-rag',
    git: true,
    needs: pythonHas(['requests', 'pytest'], /No matching distribution found for (requests|pytest)/),
    check(w, text) {
      expect(localRuns(w)[1]).toBe('${{ steps.venv.outputs.python }} -m pytest');
      expect(w.switch?.files).toEqual([
        {
          path: '.env',
          keys: { OLLAMA_BASE_URL: expect.objectContaining({ local: 'http://localhost:11434' }) },
        },
      ]);
      expect(text).toContain('# TODO: .env is not there yet (these keys come from .env.example)');
    },
  },
  {
    name: 'jest-missing-tests',
    git: true,
    // The dependencies are installed (no network needed); the test script names a folder that is not there.
    prepare: (dir) => fs.mkdirSync(path.join(dir, 'node_modules')),
    needs: {
      available: () => false,
      message: /TODO: the test script of package\.json names test\/, which is not in the repository/,
    },
    check(w, text) {
      expect(localRuns(w)).toEqual([expect.stringContaining('echo "TODO: the test script')]);
      expect(text).toContain('package.json: the test script (`jest test/`) names test/, which is not there');
    },
  },
  {
    name: 'terraform-gcp',
    git: true,
    check(w, text) {
      expect(w.phases['aws-prepare'].steps.map((s) => s.cwd)).toEqual(['aws', 'aws', 'aws']);
      expect(text).toContain(
        'Terraform (*.tf in gcp/): Google Cloud provider, not AWS: not put in the AWS phases',
      );
    },
  },
];

function copyOf(c: Case): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `offload-corpus-${c.name}-`));
  cleanup.push(dir);
  fs.cpSync(path.join(CORPUS, c.name), dir, { recursive: true });
  if (c.git) {
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
    ]) {
      const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  }
  c.prepare?.(dir);
  return dir;
}

describe('offload init on the corpus: validate and `run local` pass without edits', () => {
  it('has at least 25 projects, each with a case here', () => {
    const names = fs.readdirSync(CORPUS).sort();
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(CASES.map((c) => c.name).sort()).toEqual(names);
  });

  // Concurrent: each case is a copy in its own temp folder and data dir, mostly waiting on child processes.
  for (const c of CASES) {
    it.concurrent(
      c.name,
      async () => {
        const dir = copyOf(c);
        const data = tempDataDir();
        cleanup.push(data);
        // pip installs only what this machine has (the .venv sees the system's packages): no network.
        const env = { OFFLOAD_HOME: data, PIP_NO_INDEX: '1' };
        const init = await runCli(['init'], { cwd: dir, env });
        expect(init.code, init.stderr).toBe(0);
        const text = fs.readFileSync(path.join(dir, 'offload.yml'), 'utf8');
        // No path into this machine's Offload install (it breaks for every teammate): a hint instead.
        expect(text).not.toContain(ROOT);
        expect(text.split('\n')[0]).toMatch(/^# Editor completion: Offload ships offload\.schema\.json/);

        const validate = await runCli(['validate'], { cwd: dir, env });
        expect(validate.code, validate.stderr).toBe(0);
        const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env, timeoutMs: 120_000 });
        if (c.needs && !c.needs.available() && !(c.needs.maybe && run.code === 0)) {
          // Not runnable here: the first step that fails names what is missing.
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
          expect(run.stdout).toMatch(c.needs.message);
        } else {
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
          expect(run.stdout).toMatch(/✅ run passed/);
        }

        const written = parseYaml(text) as Written;
        // each step, and each example it shows commented out, sits in a phase its kind may be in
        expect(misplacedKinds(text)).toEqual([]);
        expect(shutdownKinds(written)[0]).toBe('stop-local-models');
        expect(Object.keys(written.phases.monitor.steps[0] ?? {})).toContain('cloudwatch-alarms-ok');
        c.check?.(written, text);
        await c.then?.(dir, env);
      },
      150_000,
    );
  }
});
