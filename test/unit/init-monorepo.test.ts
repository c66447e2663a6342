// `offload init` on repositories laid out as monorepos or with their own deploy tooling: every Dockerfile and
// Terraform root (not only the first), the rule's own scripts mapped into their phases, and a lint script that
// rewrites sources not used as a check.
import { describe, expect, it } from 'vitest';
import { initAndLoad, repositories } from '../helpers/init';

const { project } = repositories('offload-init-monorepo-');

function init(dir: string, installed: string[] = []) {
  const { text, findings, config } = initAndLoad(dir, installed);
  const names = (phase: keyof typeof config.phases) => config.phases[phase].steps.map((s) => s.name);
  return { text, findings, config, names };
}

describe('initConfig: monorepos and the repository’s own tooling', () => {
  it('Dockerfiles in sub-folders (complete/, services/api/) each get a push step with its own image output', () => {
    const dir = project({
      'complete/Dockerfile': 'FROM scratch\n',
      'services/api/Dockerfile': 'FROM scratch\n',
      'initial/README.md': '',
    });
    const { config, findings, text } = init(dir);
    const steps = config.phases['aws-prepare'].steps;
    expect(steps.map((s) => [s.id, s.cwd])).toEqual([
      ['image-complete', 'complete'],
      ['image-services-api', 'services/api'],
    ]);
    expect(String(steps[1]?.spec)).toContain('${REGISTRY_API:?TODO: set REGISTRY_API');
    expect(findings).toContain(
      'complete/Dockerfile: built and pushed in aws-prepare (publishes output `image` of step image-complete)',
    );
    expect(text).not.toContain('Nothing recognised (Dockerfile');
  });

  it('every Terraform root, shallower first; modules and Google Cloud roots are not applied', () => {
    const dir = project({
      'base/main.tf': 'provider "aws" {}\nresource "aws_vpc" "v" {}\n',
      'env/dev/main.tf': 'module "svc" {\n  source = "../../modules/svc"\n}\nprovider "aws" {}\n',
      'modules/svc/main.tf': 'resource "aws_ecs_service" "s" {}\n',
      'gcp/main.tf': 'provider "google" {}\n',
    });
    const { names, findings } = init(dir, ['terraform']);
    expect(names('aws-prepare')).toEqual([
      'Terraform init (base)',
      'Terraform plan (base)',
      'Terraform apply (base)',
      'Terraform init (env/dev)',
      'Terraform plan (env/dev)',
      'Terraform apply (env/dev)',
    ]);
    expect(findings).toContain(
      'Terraform (*.tf in gcp/): Google Cloud provider, not AWS: not put in the AWS phases',
    );
  });

  it("the rule's own scripts are run in their phases (pwsh for .ps1); a full deploy beside the split ones is only named", () => {
    const dir = project({
      'scripts/aws-deploy-infrastructure.ps1': 'Write-Host infra\n',
      'scripts/aws-deploy-services.ps1': 'Write-Host services\n',
      'scripts/aws-deploy-full.ps1': 'Write-Host full\n',
      'scripts/aws-test-services.sh': 'echo test\n',
      'scripts/shutdown-local-models.ps1': 'Write-Host stop\n',
    });
    const { config, findings } = init(dir, []);
    const runs = (p: 'aws-prepare' | 'aws-deploy' | 'aws-test' | 'shutdown') =>
      config.phases[p].steps.filter((s) => s.kind === 'run').map((s) => [s.spec, s.extra.shell]);
    expect(runs('aws-prepare')).toEqual([['./scripts/aws-deploy-infrastructure.ps1', 'pwsh']]);
    expect(runs('aws-deploy')).toEqual([['./scripts/aws-deploy-services.ps1', 'pwsh']]);
    expect(runs('aws-test')).toEqual([['bash ./scripts/aws-test-services.sh', undefined]]);
    expect(runs('shutdown')).toEqual([['./scripts/shutdown-local-models.ps1', 'pwsh']]);
    expect(findings).toContain(
      'scripts/aws-deploy-full.ps1: seen but not used (the split aws-deploy-* scripts deploy the same)',
    );
    expect(findings).toContain(
      'scripts/aws-deploy-services.ps1: run in aws-deploy — pwsh is not on PATH here: install PowerShell: https://aka.ms/install-powershell',
    );
  });

  it('a lint script with --fix is not used as a check (it rewrites sources); a note says why', () => {
    const dir = project({
      'package.json': JSON.stringify({ scripts: { lint: 'eslint . --fix', test: 'node --test' } }),
    });
    const { config, text } = init(dir);
    expect(config.phases.local.steps.map((s) => s.spec)).toEqual(['npm run test']);
    expect(text).toContain('the lint script rewrites sources (--fix/--write), so it is not run as a check');
  });
});
