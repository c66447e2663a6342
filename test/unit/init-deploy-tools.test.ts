// `offload init` on repositories with deploy tooling of their own (Copilot, SST, Pulumi, deploy scripts),
// CloudFormation beyond AWSTemplateFormatVersion (nested stacks, dependency order, required parameters), a
// test script that cannot run, kubernetes-manifests/ and `.env.example`.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dependencyOrder } from '../../main/core/init/detect-cloudformation';
import { missingTestPath } from '../../main/core/init/detect-node';
import { initAndLoad, repositories } from '../helpers/init';

const { project } = repositories('offload-init-deploy-');

function init(dir: string, installed: string[] = []) {
  const { text, findings, config } = initAndLoad(dir, installed);
  const runs = (phase: keyof typeof config.phases) =>
    config.phases[phase].steps.map((s) =>
      s.kind === 'run' ? String(s.spec) : `${s.kind} ${JSON.stringify(s.spec)}`,
    );
  return { text, findings, config, runs };
}

describe('initConfig: the repository’s own deploy tooling', () => {
  it('Copilot: the environment in aws-prepare, each service and job in aws-deploy, with copilot’s commands', () => {
    const dir = project({
      'copilot/.workspace': 'application: shop\n',
      'copilot/api/manifest.yml': 'name: api\ntype: Load Balanced Web Service\n',
      'copilot/report/manifest.yml': 'name: report\ntype: Scheduled Job\n',
      'copilot/environments/staging/manifest.yml': 'name: staging\ntype: Environment\n',
    });
    const { runs, findings, text } = init(dir);
    expect(runs('aws-prepare')).toEqual(['copilot env deploy --name staging']);
    expect(runs('aws-deploy')).toEqual([
      'copilot svc deploy --name api --env staging',
      'copilot job deploy --name report --env staging',
    ]);
    expect(findings.find((f) => f.startsWith('copilot/'))).toMatch(
      /api \[Load Balanced Web Service\], report \[Scheduled Job\].*copilot is not installed here: install AWS Copilot: https/,
    );
    expect(text).toContain('# TODO: review: deploys to the Copilot environment staging');
  });

  it('SST: sst deploy with a stage to review; Pulumi: preview and up of the dev stack; a GCP-only Pulumi is left out', () => {
    const sst = init(
      project({ 'sst.config.ts': 'export default $config({ app() { return { name: "notes" } } })\n' }),
    );
    expect(sst.runs('aws-deploy')).toEqual(['npx sst deploy --stage production']);
    expect(sst.findings[0]).toMatch(/^sst\.config\.ts \(SST app notes\)/);

    const pulumi = init(
      project({
        'Pulumi.yaml': 'name: infra\nruntime: nodejs\n',
        'Pulumi.dev.yaml': 'config:\n  aws:region: eu-west-1\n',
        'Pulumi.prod.yaml': 'config:\n  aws:region: eu-west-1\n',
      }),
      ['pulumi'],
    );
    expect(pulumi.runs('aws-prepare')).toEqual([
      'pulumi preview --stack dev --non-interactive',
      'pulumi up --stack dev --yes --non-interactive',
    ]);
    expect(pulumi.text).toContain('# TODO: review: updates the stack dev (others: prod)');

    const gcp = init(
      project({ 'Pulumi.yaml': 'name: g\nruntime: go\n', 'Pulumi.dev.yaml': 'config:\n  gcp:project: x\n' }),
    );
    expect(gcp.runs('aws-prepare')).toEqual([]);
    expect(gcp.findings).toContain(
      'Pulumi.yaml (Pulumi g): seen but not used (its stacks configure Google Cloud, not AWS)',
    );
  });

  it('deploy.ps1 runs with pwsh in aws-deploy when nothing else deploys, and is named as unused when something does', () => {
    const alone = init(project({ 'deploy.ps1': 'Write-Host hi\n' }));
    expect(alone.config.phases['aws-deploy'].steps[0]).toMatchObject({ spec: './deploy.ps1' });
    expect(alone.text).toMatch(/shell: pwsh/);
    expect(alone.findings).toContain(
      'deploy.ps1: run in aws-deploy (review it) (pwsh is not installed here: install PowerShell: https://aka.ms/install-powershell)',
    );
    const both = init(project({ 'scripts/deploy.sh': 'echo hi\n', 'sst.config.ts': '' }));
    expect(both.runs('aws-deploy')).toEqual(['npx sst deploy --stage production']);
    expect(both.findings).toContain(
      'scripts/deploy.sh: seen but not used (a deploy was recognised above; add it if it does more)',
    );
  });
});

describe('initConfig: CloudFormation', () => {
  const vpc = `Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export: { Name: !Sub "\${AWS::StackName}-VpcId" }
`;
  const app = `Parameters:
  NetworkStack: { Type: String }
  KeyName: { Type: "AWS::EC2::KeyPair::KeyName" }
  Size: { Type: String, Default: small }
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      VpcId: { "Fn::ImportValue": !Sub "\${NetworkStack}-VpcId" }
`;

  it('recognised by AWS:: resource types, ordered by imports (not by name), all of them, required parameters as TODO', () => {
    const dir = project({
      'infra/app.yaml': app,
      'infra/zz-vpc.yaml': vpc,
      'infra/a.yaml': 'Resources:\n  B: { Type: AWS::S3::Bucket }\n',
      'infra/b.yaml': 'Resources:\n  B: { Type: AWS::S3::Bucket }\n',
      'infra/c.yaml': 'Resources:\n  B: { Type: AWS::S3::Bucket }\n',
      'infra/d.yaml': 'Resources:\n  B: { Type: AWS::S3::Bucket }\n',
      'infra/values.yaml': 'replicas: 2\n',
    });
    const { config, findings, text } = init(dir);
    const templates = config.phases['aws-prepare'].steps.map(
      (s) => (s.spec as { template: string }).template,
    );
    expect(templates).toEqual([
      'infra/a.yaml',
      'infra/zz-vpc.yaml',
      'infra/app.yaml',
      'infra/b.yaml',
      'infra/c.yaml',
      'infra/d.yaml',
    ]);
    expect(findings).toContain(
      'infra/app.yaml (CloudFormation, after infra/zz-vpc.yaml (imports its exports)): deployed with cloudformation-deploy in aws-prepare; TODO: parameters NetworkStack, KeyName',
    );
    expect(text).toContain('#   NetworkStack (String), KeyName (AWS::EC2::KeyPair::KeyName)');
  });

  it('a nested-stack parent is packaged and deployed once; its children are not stacks of their own', () => {
    const dir = project({
      'cloudformation/main.yaml': `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Network:
    Type: AWS::CloudFormation::Stack
    Properties: { TemplateURL: ./nested/network.yaml }
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties: { TemplateURL: https://s3.amazonaws.com/b/t.yaml }
`,
      'cloudformation/nested/network.yaml': vpc,
    });
    const { config, findings } = init(dir);
    const steps = config.phases['aws-prepare'].steps;
    expect(steps.map((s) => s.name)).toEqual(['Package main (nested templates to S3)', 'Deploy stack main']);
    expect(String(steps[0]?.spec)).toContain(
      'aws cloudformation package --template-file cloudformation/main.yaml --s3-bucket "$CFN_ARTIFACT_BUCKET"',
    );
    expect(steps[1]?.spec).toMatchObject({ template: 'cloudformation/main.packaged.yaml' });
    expect(findings).toContain(
      'cloudformation/nested/network.yaml (CloudFormation): nested stack of cloudformation/main.yaml, deployed with it',
    );
  });

  it('a SAM template’s required parameters are named in the finding and at the deploy step', () => {
    const dir = project({
      'template.yaml':
        'Transform: AWS::Serverless-2016-10-31\nParameters:\n  Name: { Type: String }\nResources:\n  Fn: { Type: AWS::Serverless::Function }\n',
    });
    const { findings, text } = init(dir);
    expect(findings).toContain(
      'template.yaml: TODO: parameters without a Default (Name): give them in the deploy step',
    );
    expect(text).toContain('# TODO: review: template.yaml has parameters without a Default');
  });

  it('dependencyOrder ends on a cycle, each template once', () => {
    const t = (rel: string, exports: string[], imports: string[]) => ({ rel, info: { exports, imports } });
    const order = dependencyOrder([t('b', ['B'], ['A']), t('a', ['A'], ['B'])]);
    expect(order.map((x) => x.rel).sort()).toEqual(['a', 'b']);
  });
});

describe('initConfig: tests that cannot run, manifests folders, .env.example', () => {
  it('a test script pointed at a missing folder is a TODO naming it, not a step that fails on the first run', () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'x', scripts: { test: 'jest test/ --coverage' } }),
      'src/a.js': '',
    });
    const { config, findings } = init(dir);
    expect(config.phases.local.steps.map((s) => s.name)).toEqual(['TODO: fix the test script']);
    expect(findings).toContain(
      'package.json: the test script (`jest test/ --coverage`) names test/, which is not there: its step is a TODO',
    );
    expect(missingTestPath(dir, 'jest --roots spec')).toBe('spec');
    expect(missingTestPath(dir, 'jest src/')).toBeUndefined();
    expect(missingTestPath(dir, 'eslint . && mocha "test/**/*.js"')).toBeUndefined();
  });

  it('kubernetes-manifests/ is rolled out like k8s/', () => {
    const dir = project({
      'kubernetes-manifests/cart.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n',
    });
    const { config } = init(dir);
    expect(config.phases['aws-deploy'].steps.map((s) => s.spec)).toEqual([
      { manifest: 'kubernetes-manifests/cart.yaml' },
    ]);
  });

  it('.env.example model URLs switch .env when there is no .env, with how to create it', () => {
    const dir = project({ '.env.example': 'OLLAMA_BASE_URL=http://localhost:11434\nAPP_PORT=3000\n' });
    const { text, findings, config } = init(dir);
    expect(config.switch?.files.map((f) => path.relative(dir, f.path))).toEqual(['.env']);
    expect(findings.at(-2)).toMatch(
      /\(read from \.env\.example: \.env is not there yet; create it with: cp \.env\.example \.env\)$/,
    );
    expect(findings.at(-1)).toBe('.env is not there yet (the switch reads it): cp .env.example .env');
    expect(text).toContain('#   cp .env.example .env');
    // With a .env, the example is only an example.
    const withEnv = init(
      project({ '.env.example': 'OLLAMA_BASE_URL=http://localhost:11434\n', '.env': 'A=1\n' }),
    );
    expect(withEnv.config.switch?.files ?? []).toEqual([]);
  });
});
