/**
 * Serverless and Kubernetes projects, and plain CloudFormation templates: deployed with Offload's own step
 * kinds (cloudformation-deploy, lambda-deploy/-invoke, eks-rollout) and verified in phases 3/4 with
 * cloudwatch-logs-clean and cloudwatch-metric. Where a name Offload cannot know is needed (a physical
 * function name, a cluster), the step is written as a commented example that says what to fill in, so the
 * file still validates and nothing pretends to pass.
 */
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { slugify } from '../config/load';
import type { PhaseId } from '../workflow/types';
import { stringify as stringifyYaml } from 'yaml';
import { readTemplate, requiredParametersTodo } from './cfn-template';
import {
  exists,
  filesIn,
  readText,
  relCwd,
  runStep,
  subDirs,
  type Detector,
  type InitStep,
  type Plan,
  recognised,
  toDo,
} from './plan';

const stackName = (plan: Plan) => slugify(plan.name || 'my-project').replace(/_/g, '-');

/** A commented example step below a phase's steps (valid YAML once uncommented). */
function example(plan: Plan, phase: PhaseId, intro: string[], step: Record<string, unknown>): void {
  const yaml = stringifyYaml([step], { lineWidth: 0, flowCollectionPadding: true }).trimEnd().split('\n');
  plan.notes[phase].push([...intro, ...yaml.map((l) => `  ${l}`)]);
}

/** The Lambda checks phase 3/4 should make for functions whose names are known. */
function lambdaVerification(plan: Plan, functions: string[], from: string): void {
  if (!functions.length) return;
  plan.steps['aws-test'].push(
    {
      name: `${functions[0]} answers`,
      kind: 'lambda-invoke',
      spec: { function: functions[0], payload: {} },
      comment: [
        `Invokes ${functions[0]} (from ${from}) with an empty event: a FunctionError fails with its log tail.`,
        'TODO: the payload your function expects and the answer to check (status:, body:).',
      ],
    },
    {
      name: 'No errors in the Lambda logs since the deploy',
      kind: 'cloudwatch-logs-clean',
      spec: { 'log-groups': functions.map((f) => `/aws/lambda/${f}`) },
    },
    {
      name: 'Lambda Errors = 0',
      kind: 'cloudwatch-metric',
      spec: {
        stat: 'Sum',
        threshold: '= 0',
        window: '10m',
        missing: 'pass',
        metrics: functions.map((f) => ({
          namespace: 'AWS/Lambda',
          metric: 'Errors',
          dimensions: { FunctionName: f },
        })),
      },
    },
  );
}

// ---- Serverless Framework ------------------------------------------------------------------------------

interface ServerlessYml {
  service?: string | { name?: string };
  provider?: { name?: string; stage?: string; region?: string };
  functions?: Record<string, { name?: string; image?: unknown } | null>;
}

/** serverless.yml: `serverless package` in aws-prepare, `serverless deploy` in aws-deploy, the functions tested. */
export const detectServerless: Detector = (plan, tools) => {
  const file = ['serverless.yml', 'serverless.yaml'].find((f) => exists(plan.root, f));
  if (!file) return;
  let doc: ServerlessYml;
  try {
    doc =
      (parseYaml(readText(path.join(plan.root, file)) ?? '', { logLevel: 'silent' }) as ServerlessYml) ?? {};
  } catch {
    doc = {};
  }
  const service = typeof doc.service === 'string' ? doc.service : doc.service?.name;
  // ${...} variables are resolved by the framework: only literal values give a name Offload can rely on.
  const literal = (v: unknown) => (typeof v === 'string' && !v.includes('${') ? v : undefined);
  const stage = literal(doc.provider?.stage) ?? 'dev';
  const functions = Object.entries(doc.functions ?? {}).flatMap(([key, fn]) => {
    const explicit = fn?.name;
    if (explicit !== undefined) return literal(explicit) ? [explicit] : [];
    return literal(service) ? [`${service}-${stage}-${key}`] : [];
  });
  const npx = exists(plan.root, 'package.json') ? 'npx serverless' : 'serverless';
  const installed = Boolean(tools.which('serverless') || tools.which('sls'));
  plan.findings.push(
    recognised(
      `${file} (Serverless Framework${service ? `, service ${service}` : ''}): packaged in aws-prepare, deployed in aws-deploy${functions.length ? `, ${functions.length} function(s) checked in aws-test` : ''}`,
    ),
  );
  if (!installed && npx === 'serverless')
    plan.notes['aws-prepare'].push([
      `${file}: the Serverless Framework CLI was not on PATH when offload init ran.`,
    ]);
  plan.steps['aws-prepare'].push(
    runStep('Serverless package', `${npx} package --stage ${stage}`, { timeout: '20m' }),
  );
  plan.steps['aws-deploy'].push(
    runStep('Serverless deploy', `${npx} deploy --stage ${stage}`, {
      comment: [
        'Deploys the service to the AWS account of your current credentials: check before the first run.',
      ],
      timeout: '1h',
    }),
  );
  lambdaVerification(plan, functions, file);
};

// ---- SAM and plain CloudFormation --------------------------------------------------------------------

const SAM_TEMPLATES = ['template.yaml', 'template.yml'];

/**
 * SAM: after `sam build`, `sam package` writes packaged.yaml (code uploaded to S3) and cloudformation-deploy
 * deploys it through a change set; functions with a literal FunctionName are invoked and watched.
 */
export const detectSamFunctions: Detector = (plan) => {
  const template = SAM_TEMPLATES.find((f) => /AWS::Serverless/.test(readText(path.join(plan.root, f)) ?? ''));
  if (!template) return;
  const info = readTemplate(readText(path.join(plan.root, template)) ?? '');
  const resources = info.resources;
  const fns = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
  if (info.required.length)
    plan.findings.push(
      toDo(
        `${template}: TODO: parameters without a Default (${info.required.map((p) => p.name).join(', ')}): give them in the deploy step`,
      ),
    );
  const named = fns.flatMap(([, r]) =>
    typeof r.Properties?.FunctionName === 'string' ? [r.Properties.FunctionName] : [],
  );
  plan.steps['aws-prepare'].push(
    runStep('SAM package', 'sam package --resolve-s3 --output-template-file packaged.yaml', {
      comment: [
        'Uploads the built code to a SAM-managed S3 bucket and writes packaged.yaml for the deploy step.',
      ],
      timeout: '20m',
    }),
  );
  plan.steps['aws-deploy'].push({
    id: 'stack',
    name: 'Deploy the SAM stack',
    kind: 'cloudformation-deploy',
    spec: {
      stack: stackName(plan),
      template: 'packaged.yaml',
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
    },
    comment: [
      'Creates or updates the stack through a change set; its Outputs become outputs of this step',
      '(${{ steps.stack.outputs.<OutputKey> }}). TODO: the stack name you want.',
      ...requiredParametersTodo(template, info.required),
    ],
  });
  if (named.length) lambdaVerification(plan, named, template);
  else if (fns.length) {
    const [logical] = fns[0]!;
    example(
      plan,
      'aws-test',
      [
        `${template}: ${fns.map(([n]) => n).join(', ')} get generated names. Give one a FunctionName, or an Output`,
        `(${logical}Name: !Ref ${logical}), and uncomment (with cloudwatch-logs-clean / cloudwatch-metric on it):`,
      ],
      {
        name: `${logical} answers`,
        'lambda-invoke': { function: `\${{ steps.stack.outputs.${logical}Name }}`, payload: {} },
      },
    );
  }
};

// ---- Kubernetes manifests and Helm charts -------------------------------------------------------------

/** Folders of plain manifests: k8s/, kubernetes/, kubernetes-manifests/, k8s-specifications/, manifests/, deploy/. */
const MANIFEST_DIR = /^((k8s|kube|kubernetes)([-_][\w-]+)?|manifests|deploy)$/i;

/** Deployment names in a manifest file. */
function deploymentsIn(text: string): string[] {
  try {
    return parseAllDocuments(text, { logLevel: 'silent' }).flatMap((d) => {
      const o = d.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      return o?.kind === 'Deployment' && typeof o.metadata?.name === 'string' ? [o.metadata.name] : [];
    });
  } catch {
    return [];
  }
}

const clusterComment = [
  'TODO: the cluster: context: <kubeconfig context> (default: current-context), or for EKS',
  'eks: { cluster: my-cluster, region: eu-west-1 } (token from your AWS credentials, as aws eks get-token).',
];

/** k8s/*.yaml with a Deployment: applied and waited for with eks-rollout; Chart.yaml: helm upgrade + wait. */
export const detectKubernetes: Detector = (plan, tools) => {
  const imageRef = plan.steps['aws-prepare'].some((s) => s.id === 'image');
  const manifestDirs = subDirs(plan.root)
    .map((d) => path.basename(d))
    .filter((n) => MANIFEST_DIR.test(n))
    // The usual names first, then the longer ones (kubernetes-manifests/).
    .sort((a, b) => a.length - b.length || a.localeCompare(b));
  for (const name of manifestDirs) {
    const dir = path.join(plan.root, name);
    const files = filesIn(dir).filter((f) => /\.ya?ml$/.test(f));
    const withDeployments = files.filter((f) => deploymentsIn(readText(path.join(dir, f)) ?? '').length);
    if (!withDeployments.length) continue;
    const names = withDeployments.flatMap((f) => deploymentsIn(readText(path.join(dir, f)) ?? ''));
    plan.findings.push(
      recognised(
        `${name}/ (Kubernetes manifests, Deployment ${names.join(', ')}): applied and rolled out with eks-rollout in aws-deploy`,
      ),
    );
    const steps: InitStep[] = withDeployments.map((f, i) => ({
      name: `Roll out ${name}/${f}`,
      kind: 'eks-rollout',
      spec: { manifest: `${name}/${f}` },
      ...(i === 0
        ? {
            comment: [
              ...clusterComment,
              'Every file of the folder that has no Deployment is applied by a step of its own if you add it.',
            ],
          }
        : {}),
    }));
    plan.steps['aws-deploy'].push(...steps);
    if (imageRef)
      example(plan, 'aws-deploy', ['To roll the image built in aws-prepare out instead of the manifest’s:'], {
        name: `New image for ${names[0]}`,
        'eks-rollout': { deployment: names[0], image: '${{ steps.image.outputs.image }}' },
      });
    break;
  }
  const chartDir = [plan.root, ...subDirs(plan.root), ...subDirs(path.join(plan.root, 'charts'))].find((d) =>
    exists(d, 'Chart.yaml'),
  );
  if (!chartDir) return;
  const chart = ((): { name?: string } | null => {
    try {
      return parseYaml(readText(path.join(chartDir, 'Chart.yaml')) ?? '', { logLevel: 'silent' }) as {
        name?: string;
      } | null;
    } catch {
      return null; // not valid YAML: the folder's name stands for the chart's
    }
  })();
  const release = typeof chart?.name === 'string' ? chart.name : path.basename(chartDir);
  const rel = relCwd(plan.root, chartDir) ?? '.';
  const helm = Boolean(tools.which('helm'));
  plan.findings.push(
    recognised(
      `${rel === '.' ? '' : `${rel}/`}Chart.yaml (Helm chart ${release}): ${helm ? 'linted locally, ' : ''}installed with helm upgrade --wait in aws-deploy (review: the Deployments it creates are not guessed)`,
    ),
  );
  if (helm) plan.steps.local.push(runStep(`Helm lint (${release})`, `helm lint ${rel}`));
  else
    plan.notes.local.push([
      `Chart.yaml: helm was not installed when offload init ran; once it is, add: helm lint ${rel}`,
    ]);
  const templates = path.join(chartDir, 'templates');
  const deploymentFiles = filesIn(templates).filter((f) =>
    /^kind:\s*Deployment\b/m.test(readText(path.join(templates, f)) ?? ''),
  );
  plan.steps['aws-deploy'].push(
    runStep(`Helm upgrade ${release}`, `helm upgrade --install ${release} ${rel} --wait --timeout 10m`, {
      comment: [
        'TODO: review: installs or upgrades the release in the current kubeconfig context and waits until its',
        'Deployments are ready (--wait). Check the context (and the values for AWS) before the first run.',
      ],
      timeout: '15m',
    }),
  );
  // The Deployments' names come from the templates (often one per service, from values): not guessed.
  example(
    plan,
    'aws-deploy',
    [
      `TODO: review: ${rel === '.' ? '' : `${rel}/`}templates/ has ${deploymentFiles.length ? `Deployments in ${deploymentFiles.join(', ')}` : 'no plain Deployment'}; their names`,
      'come from the chart and its values, so none is guessed. To also check one with eks-rollout:',
      ...clusterComment,
    ],
    { name: 'Roll out <deployment>', 'eks-rollout': { deployment: '<deployment name from the chart>' } },
  );
};
