/**
 * `offload init`: a commented starter offload.yml prefilled from what the project contains, whose
 * `offload run local` passes without edits on common project shapes: it writes only steps that can pass on
 * this machine (asking the toolchain what is installed) and says in comments what it left out and why.
 * Steps for AWS that the user must fill fail on purpose (`echo "TODO: …" && exit 1`).
 */
import path from 'node:path';
import { seenNotUsed } from './plan';
import { slugify } from '../config/load';
import { detectCompose, detectDockerfile } from './detect-containers';
import { detectCdk, detectSam, detectTerraform } from './detect-infrastructure';
import { detectKubernetes, detectSamFunctions, detectServerless } from './detect-cloud';
import { detectCloudFormation } from './detect-cloudformation';
import { detectDeployScript, detectDeployTools } from './detect-deploy-tools';
import { detectNode } from './detect-node';
import { detectPython } from './detect-python';
import { detectRuleScripts } from './detect-scripts';
import { detectMakeDeploy, detectToolchains } from './detect-toolchains';
import { detectUnreal } from './detect-unreal';
import { findModelEndpoints } from './model-endpoints';
import {
  emptyPlan,
  recognised,
  toDo,
  todoStep,
  type Detector,
  type Finding,
  type InitStep,
  type Plan,
} from './plan';
import { renderConfig } from './render';
import { SCHEMA_HINT, schemaReference, shippedSchemaFile } from './schema-ref';
import { hostToolchain, type Toolchain } from './toolchain';

export { hostToolchain, type Toolchain } from './toolchain';
export type { Finding, FindingKind } from './plan';

/** In this order: the language detectors name the project before the Dockerfile names its image. */
const DETECTORS: readonly Detector[] = [
  detectNode,
  detectPython,
  detectToolchains,
  detectUnreal,
  detectCdk,
  detectTerraform,
  detectSam,
  detectSamFunctions,
  detectCloudFormation,
  detectServerless,
  detectDeployTools,
  detectDockerfile,
  detectCompose,
  // After the Dockerfile: a manifest's rollout can take the image it builds.
  detectKubernetes,
  detectRuleScripts,
  detectDeployScript,
  // Last: the project's own `make deploy` only where no deploy was recognised.
  detectMakeDeploy,
];

export interface InitOptions {
  /** What is installed here (default: this machine, with the process PATH). */
  tools?: Toolchain;
  /** The offload.schema.json to refer to (default: the one shipped with this build; null: none). */
  schemaFile?: string | null;
}

function shutdownSteps(plan: Plan): InitStep[] {
  const steps: InitStep[] = [{ name: 'Stop the local model servers', kind: 'stop-local-models', spec: true }];
  if (plan.switchFiles.length)
    steps.push({ name: 'Point the dev tools at AWS', kind: 'switch-config', spec: { to: 'aws' } });
  return steps;
}

function awsPlaceholders(plan: Plan): void {
  const imageRef = plan.steps['aws-prepare'].find((s) => s.id?.startsWith('image'))?.id;
  if (!plan.steps['aws-deploy'].length)
    plan.steps['aws-deploy'].push(
      todoStep('deploy to AWS', 'deploy to AWS here, then edit phases.aws-deploy in offload.yml', [
        'TODO: deploy your services and models. On ECS, replace this step with an ecs-deploy step, e.g.:',
        `  - ecs-deploy: { cluster: my-cluster, service: my-service${imageRef ? `, image: "\${{ steps.${imageRef}.outputs.image }}"` : ''} }`,
        'and see offload.schema.json (your editor completes it) for the options.',
      ]),
    );
  // A project whose aws-test steps were prefilled (a function to invoke) needs no placeholder.
  if (!plan.steps['aws-test'].length)
    plan.steps['aws-test'].push(
      todoStep(
        'check the deployed service',
        'check the deployed service, then edit phases.aws-test in offload.yml',
        [
          'TODO: check what runs on AWS, e.g. an http step against its public health URL:',
          '  - name: API answers on AWS',
          '    http: { url: "https://api.example.com/health", status: 200 }',
          '    retries: 10',
          '    retry-delay: 5s',
        ],
      ),
    );
  plan.steps.monitor.push({
    // Named TODO like every step init cannot fill: until its prefix names real alarms it fails, and says why.
    name: 'TODO: CloudWatch alarms stay quiet',
    kind: 'cloudwatch-alarms-ok',
    spec: { prefixes: [`${slugify(plan.name || 'my-project').replace(/_/g, '-')}-`] },
    todo: 'give the name prefix (or names) of your CloudWatch alarms and aws: credentials, then edit phases.monitor in offload.yml',
    comment: [
      'TODO: the name prefix of your CloudWatch alarms (or `names: [...]`); it needs `aws:` credentials,',
      'e.g. aws: { profile: dev, region: eu-west-1 }. Add a gate: section to have the tray watch them too.',
    ],
  });
}

/** What the user must fill in: one to-do per generated step named TODO, by phase, in the rule's order. */
function todoSteps(plan: Plan): Finding[] {
  return Object.entries(plan.steps).flatMap(([phase, steps]) =>
    steps.flatMap((s) =>
      s.todo ? [{ kind: 'todo' as const, text: `${phase}: ${s.todo}`, step: s.name }] : [],
    ),
  );
}

/**
 * The text of a starter offload.yml for the project in `dir`, with what it found (what it recognised, saw but
 * did not use, and left for the user to do), then one to-do per step it could not fill. The text always loads
 * cleanly.
 */
export function initConfig(dir: string, opts: InitOptions = {}): { text: string; findings: Finding[] } {
  const root = path.resolve(dir);
  const tools = opts.tools ?? hostToolchain(process.env, root);
  const plan = emptyPlan(root);
  for (const detect of DETECTORS) {
    // One file a detector cannot make sense of costs that part of the detection, never the whole of init.
    try {
      detect(plan, tools);
    } catch (err) {
      plan.findings.push(
        seenNotUsed(`part of the detection (${detect.name}) was skipped: ${(err as Error).message}`),
      );
    }
  }
  plan.switchFiles = findModelEndpoints(root);
  for (const f of plan.switchFiles) {
    plan.findings.push(
      recognised(
        `${f.path}: ${f.keys.map((k) => `${k.key} -> ${k.server.title}`).join(', ')}; switched to AWS at shutdown` +
          (f.example
            ? ` (read from ${f.example}: ${f.path} is not there yet; create it with: cp ${f.example} ${f.path})`
            : ''),
      ),
    );
    if (f.example)
      plan.findings.push(toDo(`${f.path} is not there yet (the switch reads it): cp ${f.example} ${f.path}`));
  }
  if (!plan.steps.local.length) {
    plan.steps.local.push(
      todoStep('build', 'build the project here', [
        'Nothing to build was recognised: put your build command here.',
      ]),
      todoStep('tests', 'run the tests here'),
    );
  }
  awsPlaceholders(plan);
  plan.steps.shutdown.unshift(...shutdownSteps(plan));
  const schemaFile = opts.schemaFile === undefined ? shippedSchemaFile() : opts.schemaFile;
  const text = renderConfig(
    plan,
    schemaFile ? (schemaReference(root, schemaFile) ?? SCHEMA_HINT) : undefined,
  );
  return { text, findings: [...plan.findings, ...todoSteps(plan)] };
}
