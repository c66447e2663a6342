/**
 * Plain CloudFormation templates (not SAM), in the project folder or infra-like folders: every template is
 * deployed with cloudformation-deploy in aws-prepare, a stack that imports another's export after it, a
 * nested-stack parent packaged (its children uploaded) and deployed once, its children not as stacks of
 * their own. What is seen and not deployed is said with why; required parameters are listed for review.
 */
import path from 'node:path';
import { slugify } from '../config/load';
import { readTemplate, needsIam, requiredParametersTodo, type TemplateInfo } from './cfn-template';
import {
  filesIn,
  recognised,
  relCwd,
  runStep,
  seenNotUsed,
  subDirs,
  toDo,
  type Detector,
  type Plan,
} from './plan';
import { readBounded } from './read-bounded';
import type { Toolchain } from './toolchain';

const INFRA_DIR = /^(infra|infrastructure|cfn|cloudformation|templates?|stacks?|aws|iac)$/i;
const TEMPLATE_FILE = /\.(ya?ml|json|template)$/i;

interface Found {
  file: string;
  rel: string;
  info: TemplateInfo;
}

/** The folders looked in: the project, its infra-like sub-folders and theirs. */
function candidateDirs(root: string): string[] {
  const infra = subDirs(root).filter((d) => INFRA_DIR.test(path.basename(d)));
  return [root, ...infra, ...infra.flatMap(subDirs)];
}

/** The literal tail of an export name after its last variable (`${AWS::StackName}-VpcId` -> `-VpcId`). */
const tail = (name: string) => name.slice(name.lastIndexOf('}') + 1);

/** Whether an import names an export: the same name, or the same literal tail after a variable. */
function sameExport(exported: string, imported: string): boolean {
  if (exported === imported) return true;
  const a = tail(exported);
  return exported.includes('${') && imported.includes('${') && a.length >= 3 && a === tail(imported);
}

/**
 * Templates in dependency order: each in path order, after the ones whose exports it imports (depth first, so
 * a VPC comes right before what needs it); a cycle is broken where it closes.
 */
export function dependencyOrder<T extends { rel: string; info: Pick<TemplateInfo, 'exports' | 'imports'> }>(
  found: T[],
): T[] {
  const sorted = [...found].sort((a, b) => a.rel.localeCompare(b.rel));
  const out: T[] = [];
  const visiting = new Set<T>();
  const visit = (t: T) => {
    if (out.includes(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const o of sorted)
      if (o !== t && t.info.imports.some((i) => o.info.exports.some((e) => sameExport(e, i)))) visit(o);
    out.push(t);
  };
  sorted.forEach(visit);
  return out;
}

/** The templates found, and what was seen and skipped with why. */
function findTemplates(root: string): { found: Found[]; skipped: string[] } {
  const found: Found[] = [];
  const skipped: string[] = [];
  for (const dir of candidateDirs(root))
    for (const f of filesIn(dir).filter((n) => TEMPLATE_FILE.test(n))) {
      const file = path.join(dir, f);
      const rel = relCwd(root, file)!;
      const r = readBounded(file);
      if ('reason' in r) {
        if (r.reason === 'too-large') skipped.push(`${rel}: seen but not read (larger than 1 MB)`);
        continue;
      }
      if (/AWS::Serverless/.test(r.text)) continue; // SAM: detect-cloud.ts
      const info = readTemplate(r.text);
      if (info.isTemplate) found.push({ file, rel, info });
      // one that reads like a template but does not parse: said, not deployed (validate would refuse the step)
      else if (info.invalid && /AWSTemplateFormatVersion|\bType:\s*['"]?AWS::/.test(r.text))
        skipped.push(
          `${rel} (CloudFormation, does not parse at line ${info.invalid.line}: ${info.invalid.message}): skipped; fix it and run offload init again, or add its cloudformation-deploy step yourself`,
        );
    }
  return { found, skipped };
}

const stackBase = (plan: Plan) => slugify(plan.name || 'my-project').replace(/_/g, '-');

/** The local check of the templates: cfn-lint where it is installed, else a listing that says it is not. */
function lintStep(plan: Plan, tools: Toolchain, found: Found[]): void {
  const files = found.map((t) => t.rel).join(' ');
  if (tools.which('cfn-lint'))
    plan.steps.local.push(runStep('CloudFormation lint', `cfn-lint --non-zero-exit-code error ${files}`));
  else
    plan.steps.local.push(
      runStep('CloudFormation templates (not linted: cfn-lint is not installed)', `ls ${files}`, {
        comment: [
          'cfn-lint was not on PATH when offload init ran: this step only lists the templates. Once it is',
          `installed (pip install cfn-lint), replace it with: cfn-lint ${files}`,
        ],
      }),
    );
}

export const detectCloudFormation: Detector = (plan, tools) => {
  const { found, skipped } = findTemplates(plan.root);
  plan.findings.push(...skipped.map(seenNotUsed));
  if (found.length) lintStep(plan, tools, found);
  const children = new Map<string, string>();
  for (const t of found)
    for (const url of t.info.nested) children.set(path.resolve(path.dirname(t.file), url), t.rel);
  const stacks = found.filter((t) => {
    const parent = children.get(t.file);
    if (parent)
      plan.findings.push(
        recognised(`${t.rel} (CloudFormation): nested stack of ${parent}, deployed with it`),
      );
    return !parent;
  });
  for (const t of dependencyOrder(stacks)) {
    const base = path.basename(t.rel).replace(TEMPLATE_FILE, '');
    const after = stacks.filter(
      (o) => o !== t && t.info.imports.some((i) => o.info.exports.some((e) => sameExport(e, i))),
    );
    const packaged = t.info.nested.length ? t.rel.replace(TEMPLATE_FILE, '.packaged.yaml') : undefined;
    plan.findings.push(
      recognised(
        `${t.rel} (CloudFormation${t.info.nested.length ? `, parent of ${t.info.nested.length} nested stack(s)` : ''}${after.length ? `, after ${after.map((a) => a.rel).join(', ')} (imports its exports)` : ''}): deployed with cloudformation-deploy in aws-prepare` +
          (t.info.required.length
            ? `; TODO: parameters ${t.info.required.map((p) => p.name).join(', ')}`
            : ''),
      ),
    );
    if (t.info.required.length)
      plan.findings.push(
        toDo(
          `${t.rel}: give ${t.info.required.map((p) => p.name).join(', ')} (no Default) under parameters: of its cloudformation-deploy step`,
        ),
      );
    if (packaged)
      plan.steps['aws-prepare'].push(
        runStep(
          `Package ${base} (nested templates to S3)`,
          `aws cloudformation package --template-file ${t.rel} --s3-bucket "$CFN_ARTIFACT_BUCKET" --output-template-file ${packaged}`,
          {
            comment: [
              `TODO: review: uploads the nested templates of ${t.rel} to the S3 bucket named by CFN_ARTIFACT_BUCKET`,
              '(set it under env:) and writes the template that the next step deploys.',
            ],
            timeout: '10m',
          },
        ),
      );
    plan.steps['aws-prepare'].push({
      name: `Deploy stack ${base}`,
      kind: 'cloudformation-deploy',
      spec: {
        stack: `${stackBase(plan)}-${slugify(base).replace(/_/g, '-')}`,
        template: packaged ?? t.rel,
        ...(needsIam(t.info.resources) || t.info.nested.length
          ? {
              capabilities: [
                'CAPABILITY_NAMED_IAM',
                ...(t.info.nested.length ? ['CAPABILITY_AUTO_EXPAND'] : []),
              ],
            }
          : {}),
      },
      comment: ['TODO: the stack name you want.', ...requiredParametersTodo(t.rel, t.info.required)],
    });
  }
};
