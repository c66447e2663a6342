/**
 * Infrastructure as code: AWS CDK, Terraform and SAM. Their checks run locally only when the tool is
 * installed and can check offline; deploying them is written into the AWS phases.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  exists,
  filesIn,
  inFolder,
  readText,
  relCwd,
  runStep,
  subDirs,
  treeDirs,
  type Detector,
  type Plan,
  recognised,
  seenNotUsed,
} from './plan';
import type { Toolchain } from './toolchain';

/** The project folder or the first direct sub-folder (sorted) that `has` matches. */
const firstDir = (root: string, has: (dir: string) => boolean) => [root, ...subDirs(root)].find(has);

/** cdk.json: synth locally with the CDK CLI installed, deploy in aws-prepare. */
export const detectCdk: Detector = (plan, tools) => {
  const dir = firstDir(plan.root, (d) => exists(d, 'cdk.json'));
  if (!dir) return;
  const cwd = relCwd(plan.root, dir);
  const cli = Boolean(tools.which('cdk')) || fs.existsSync(path.join(dir, 'node_modules', '.bin', 'cdk'));
  plan.findings.push(
    recognised(
      `cdk.json${cwd ? ` (in ${cwd}/)` : ''}: ${cli ? 'cdk synth locally, ' : ''}cdk deploy in aws-prepare`,
    ),
  );
  if (cli)
    plan.steps.local.push(
      runStep(inFolder('CDK synth', cwd), 'npx cdk synth --quiet', { cwd, timeout: '10m' }),
    );
  else
    plan.notes.local.push([
      'cdk.json: the AWS CDK CLI was not installed when offload init ran (no cdk on PATH or in node_modules);',
      `once it is (npm install --save-dev aws-cdk), add: npx cdk synth --quiet${cwd ? ` (cwd: ${cwd})` : ''}`,
    ]);
  plan.steps['aws-prepare'].push(
    runStep('CDK deploy', 'npx cdk deploy --all --require-approval never', {
      comment: [
        'Deploys every CDK stack to the AWS account of your current credentials: check before the first run.',
      ],
      cwd,
      timeout: '1h',
    }),
  );
};

/** A Terraform root: a folder with *.tf that is not a reusable module (modules/…, referenced by `source`). */
function terraformRoots(root: string): { dirs: string[]; other: { dir: string; why: string }[] } {
  const withTf = treeDirs(root, 3).filter((d) => filesIn(d).some((f) => f.endsWith('.tf')));
  const text = (d: string) =>
    filesIn(d)
      .filter((f) => f.endsWith('.tf'))
      .map((f) => readText(path.join(d, f)) ?? '')
      .join('\n');
  const referenced = new Set(
    withTf.flatMap((d) =>
      [...text(d).matchAll(/\bsource\s*=\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => path.resolve(d, m[1]!)),
    ),
  );
  const dirs: string[] = [];
  const other: { dir: string; why: string }[] = [];
  for (const d of withTf) {
    const rel = path.relative(root, d).split(path.sep);
    if (referenced.has(d) || rel.includes('modules')) continue;
    const tf = text(d);
    const google = /provider\s+"google(-beta)?"|hashicorp\/google/.test(tf);
    const aws = /provider\s+"aws"|hashicorp\/aws|resource\s+"aws_/.test(tf);
    if (google && !aws)
      other.push({ dir: d, why: 'Google Cloud provider, not AWS: not put in the AWS phases' });
    else dirs.push(d);
  }
  return { dirs, other };
}

/**
 * Every Terraform root (folder and sub-folders, shallower first: a shared base/ before env/dev/): fmt (and
 * validate once initialised) with terraform installed; init, plan, apply in aws-prepare.
 */
export const detectTerraform: Detector = (plan, tools) => {
  const { dirs, other } = terraformRoots(plan.root);
  for (const o of other)
    plan.findings.push(
      seenNotUsed(
        `Terraform (*.tf${relCwd(plan.root, o.dir) ? ` in ${relCwd(plan.root, o.dir)}/` : ''}): ${o.why}`,
      ),
    );
  for (const dir of dirs) terraformRoot(plan, tools, dir);
};

function terraformRoot(plan: Plan, tools: Toolchain, dir: string): void {
  const cwd = relCwd(plan.root, dir);
  const installed = Boolean(tools.which('terraform'));
  const initialised = exists(dir, '.terraform');
  plan.findings.push(
    recognised(
      `Terraform (*.tf${cwd ? ` in ${cwd}/` : ''}): ${installed ? 'format checked locally' : 'terraform is not installed here'}; plan and apply in aws-prepare`,
    ),
  );
  const local = plan.steps.local;
  if (installed) {
    local.push(runStep(inFolder('Terraform format', cwd), 'terraform fmt -check -recursive', { cwd }));
    if (initialised) local.push(runStep(inFolder('Terraform validate', cwd), 'terraform validate', { cwd }));
    else
      plan.notes.local.push([
        `Terraform: \`terraform validate\` needs \`terraform init\` (which downloads providers) run once${cwd ? ` in ${cwd}/` : ''};`,
        'after that, add: terraform validate',
      ]);
  } else {
    local.push(
      runStep(inFolder('Terraform files (not validated: terraform is not installed)', cwd), 'ls *.tf', {
        cwd,
        comment: [
          'terraform was not on PATH when offload init ran: this step only lists the files. Once it is',
          'installed, replace it with `terraform fmt -check -recursive` (and `terraform validate` after an init).',
        ],
      }),
    );
  }
  plan.steps['aws-prepare'].push(
    runStep(inFolder('Terraform init', cwd), 'terraform init -input=false', { cwd }),
    runStep(inFolder('Terraform plan', cwd), 'terraform plan -input=false -out=tfplan', {
      cwd,
      timeout: '30m',
    }),
    runStep(inFolder('Terraform apply', cwd), 'terraform apply -input=false tfplan', {
      comment: [
        'Applies the plan above to the AWS account of your current credentials: check before the first run.',
      ],
      cwd,
      timeout: '1h',
    }),
  );
}

const SAM_TEMPLATES = ['template.yaml', 'template.yml'];

/** A SAM template: lint with the SAM CLI installed; build in aws-prepare (package and deploy: detect-cloud.ts). */
export const detectSam: Detector = (plan, tools) => {
  const template = SAM_TEMPLATES.find((f) => /AWS::Serverless/.test(readText(path.join(plan.root, f)) ?? ''));
  if (!template) return;
  const installed = Boolean(tools.which('sam'));
  const flag = template === 'template.yaml' ? '' : ` --template-file ${template}`;
  plan.findings.push(
    recognised(
      `${template} (AWS SAM): ${installed ? 'linted locally, ' : ''}built and packaged in aws-prepare, deployed with cloudformation-deploy in aws-deploy`,
    ),
  );
  if (installed) plan.steps.local.push(runStep('SAM template lint', `sam validate --lint${flag}`));
  else
    plan.notes.local.push([
      `${template}: the SAM CLI was not installed when offload init ran; once it is, add: sam validate --lint${flag}`,
    ]);
  plan.steps['aws-prepare'].push(runStep('SAM build', `sam build${flag}`, { timeout: '20m' }));
  // Packaged and deployed by detectSamFunctions (detect-cloud.ts) with cloudformation-deploy.
};
