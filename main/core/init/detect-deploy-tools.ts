/**
 * Deploy tooling the repository already has: AWS Copilot (copilot/), SST (sst.config.ts), Pulumi
 * (Pulumi.yaml) and a plain deploy.ps1 / deploy.sh. Each is run with the tool's own commands in the AWS
 * phases instead of a generic TODO, marked for review (they deploy with the credentials of the environment).
 * Init reads their files (bounded); it never runs them.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  exists,
  filesIn,
  readText,
  runStep,
  subDirs,
  type Detector,
  type Plan,
  recognised,
  seenNotUsed,
} from './plan';
import type { Toolchain } from './toolchain';
import { installHint } from '../platform/install-hints';

const readYaml = (file: string): Record<string, unknown> => {
  try {
    const v = parseYaml(readText(file) ?? '', { logLevel: 'silent' }) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** A note when `tool` is not on PATH: how to get it. */
function missingTool(plan: Plan, tools: Toolchain, tool: string, seen: string, install: string): string {
  if (tools.which(tool)) return '';
  plan.notes['aws-prepare'].push([`${seen}: ${tool} was not on PATH when offload init ran; ${install}.`]);
  return ` (${tool} is not installed here: ${install})`;
}

/** copilot/: environments deployed in aws-prepare, services and jobs in aws-deploy. */
function copilot(plan: Plan, tools: Toolchain): void {
  const dir = path.join(plan.root, 'copilot');
  if (!exists(plan.root, 'copilot')) return;
  const envs = subDirs(path.join(dir, 'environments')).map((d) => path.basename(d));
  const workloads = subDirs(dir)
    .filter((d) => path.basename(d) !== 'environments' && exists(d, 'manifest.yml'))
    .map((d) => ({
      name: path.basename(d),
      type: String(readYaml(path.join(d, 'manifest.yml')).type ?? ''),
    }));
  if (!workloads.length) return;
  const env = envs[0] ?? 'test';
  const how = missingTool(plan, tools, 'copilot', 'copilot/', installHint('copilot'));
  plan.findings.push(
    recognised(
      `copilot/ (AWS Copilot: ${workloads.map((w) => `${w.name}${w.type ? ` [${w.type}]` : ''}`).join(', ')}; environments ${envs.join(', ') || 'none in the repository'}): deployed with copilot to ${env}${how}`,
    ),
  );
  const review = [
    `TODO: review: deploys to the Copilot environment ${env}${envs.length > 1 ? ` (also in copilot/environments: ${envs.slice(1).join(', ')})` : ''},`,
    'with the AWS credentials of your environment.',
  ];
  if (envs.length)
    plan.steps['aws-prepare'].push(
      runStep(`Copilot environment ${env}`, `copilot env deploy --name ${env}`, {
        comment: review,
        timeout: '1h',
      }),
    );
  workloads.forEach((w, i) => {
    const job = /job/i.test(w.type);
    plan.steps['aws-deploy'].push(
      runStep(
        `Copilot ${job ? 'job' : 'service'} ${w.name}`,
        `copilot ${job ? 'job' : 'svc'} deploy --name ${w.name} --env ${env}`,
        {
          comment: i === 0 && !envs.length ? review : undefined,
          timeout: '1h',
        },
      ),
    );
  });
}

/** sst.config.ts: `sst deploy` in aws-deploy (SST deploys infrastructure and code together). */
function sst(plan: Plan, tools: Toolchain): void {
  const file = ['sst.config.ts', 'sst.config.js', 'sst.config.mjs'].find((f) => exists(plan.root, f));
  if (!file) return;
  const text = readText(path.join(plan.root, file)) ?? '';
  const app = /\bname:\s*["'`]([\w-]+)["'`]/.exec(text)?.[1];
  const local = Boolean(exists(plan.root, path.join('node_modules', '.bin', 'sst')) || tools.which('sst'));
  plan.findings.push(
    recognised(
      `${file} (SST${app ? ` app ${app}` : ''}): deployed with \`npx sst deploy --stage production\` in aws-deploy (review the stage)${local ? '' : '; sst is installed by the project (npm ci)'}`,
    ),
  );
  plan.steps['aws-deploy'].push(
    runStep('SST deploy', 'npx sst deploy --stage production', {
      comment: [
        `TODO: review: deploys every resource of ${file} to the stage production, with the AWS credentials of`,
        'your environment (the stage is a name you choose; `sst deploy` without one uses your user name).',
      ],
      timeout: '1h',
    }),
  );
}

/** Pulumi.yaml: `pulumi preview` in aws-prepare and `pulumi up` for the first stack; a GCP-only one is left out. */
function pulumi(plan: Plan, tools: Toolchain): void {
  const file = ['Pulumi.yaml', 'Pulumi.yml'].find((f) => exists(plan.root, f));
  if (!file) return;
  const project = readYaml(path.join(plan.root, file));
  const stacks = filesIn(plan.root).flatMap((f) => /^Pulumi\.([\w.-]+)\.ya?ml$/.exec(f)?.[1] ?? []);
  const config = stacks.map((s) => readText(path.join(plan.root, `Pulumi.${s}.yaml`)) ?? '').join('\n');
  const name = typeof project.name === 'string' ? project.name : 'pulumi';
  if (/^\s+gcp:/m.test(config) && !/^\s+aws:/m.test(config)) {
    plan.findings.push(
      seenNotUsed(`${file} (Pulumi ${name}): seen but not used (its stacks configure Google Cloud, not AWS)`),
    );
    return;
  }
  const stack = stacks.find((s) => /dev/.test(s)) ?? stacks[0] ?? 'dev';
  const how = missingTool(plan, tools, 'pulumi', file, installHint('pulumi'));
  plan.findings.push(
    recognised(
      `${file} (Pulumi ${name}, ${String(project.runtime ?? 'runtime not named')}; stacks ${stacks.join(', ') || 'none in the repository'}): previewed and updated with pulumi in aws-prepare, stack ${stack}${how}`,
    ),
  );
  plan.steps['aws-prepare'].push(
    runStep(`Pulumi preview (${stack})`, `pulumi preview --stack ${stack} --non-interactive`, {
      timeout: '30m',
    }),
    runStep(`Pulumi up (${stack})`, `pulumi up --stack ${stack} --yes --non-interactive`, {
      comment: [
        `TODO: review: updates the stack ${stack}${stacks.length > 1 ? ` (others: ${stacks.filter((s) => s !== stack).join(', ')})` : ''} with the AWS credentials of your environment.`,
      ],
      timeout: '1h',
    }),
  );
}

/** deploy.ps1 / deploy.sh (top or scripts/): the project's own deploy, in aws-deploy when nothing else deploys. */
function deployScript(plan: Plan, tools: Toolchain): void {
  const rel = ['deploy.ps1', 'deploy.sh', 'scripts/deploy.ps1', 'scripts/deploy.sh'].find((f) =>
    exists(plan.root, f),
  );
  if (!rel) return;
  if (plan.steps['aws-deploy'].length) {
    plan.findings.push(
      seenNotUsed(`${rel}: seen but not used (a deploy was recognised above; add it if it does more)`),
    );
    return;
  }
  const ps = rel.endsWith('.ps1');
  const pwsh = ps && !tools.which('pwsh') ? ` (pwsh is not installed here: ${installHint('pwsh')})` : '';
  plan.findings.push(recognised(`${rel}: run in aws-deploy (review it)${pwsh}`));
  plan.steps['aws-deploy'].push(
    runStep(`Deploy (${rel})`, ps ? `./${rel}` : `bash ./${rel}`, {
      shell: ps ? 'pwsh' : undefined,
      comment: [
        `TODO: review: the repository's own ${rel}; check what it needs (profile, region, parameters).`,
      ],
      timeout: '1h',
    }),
  );
}

/** Copilot, SST and Pulumi where they are; a deploy script only where nothing else deploys. */
export const detectDeployTools: Detector = (plan, tools) => {
  copilot(plan, tools);
  sst(plan, tools);
  pulumi(plan, tools);
};

/** deploy.ps1 / deploy.sh, after every other deploy detector. */
export const detectDeployScript: Detector = (plan, tools) => deployScript(plan, tools);
