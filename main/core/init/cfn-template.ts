/**
 * CloudFormation and SAM templates as init reads them: leniently (the short-form tags !Ref, !Sub … are kept as
 * plain `Fn::` values), for what it needs to write the deploy steps: resources, parameters without a default,
 * exports and imports (for the order of stacks) and local nested-stack templates.
 */
import { parseDocument } from 'yaml';
import { yamlErrorText } from '../config/yaml-positions';

export interface Resource {
  Type?: string;
  Properties?: Record<string, unknown>;
}

/** What init uses of one template. */
export interface TemplateInfo {
  resources: Record<string, Resource>;
  /** Parameters without a Default, with their Type: the deploy fails until they are given. */
  required: { name: string; type: string }[];
  /** Export names the template's Outputs declare (variables in `!Sub` names kept as `${…}`). */
  exports: string[];
  /** Export names it imports with Fn::ImportValue. */
  imports: string[];
  /** The AWS::CloudFormation::Stack TemplateURLs that are local files (not http/s3 URLs). */
  nested: string[];
  /** Whether it is a template at all: AWSTemplateFormatVersion, or Resources with AWS::/Custom:: types. */
  isTemplate: boolean;
  /** The file is not valid YAML (nor JSON): where and why (it is then no template). */
  invalid?: { line: number; message: string };
}

const cfnTags = [
  'Ref',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'Base64',
  'Cidr',
  'GetAZs',
  'Condition',
  'Transform',
].flatMap((t) =>
  (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag: `!${t}`,
    ...(collection === 'scalar' ? {} : { collection }),
    resolve: (v: unknown) => ({ [`Fn::${t}`]: v }),
  })),
) as never;

type Doc = {
  AWSTemplateFormatVersion?: unknown;
  Resources?: Record<string, Resource>;
  Parameters?: Record<string, { Type?: string; Default?: unknown } | null>;
  Outputs?: Record<string, { Export?: { Name?: unknown } } | null>;
};

/** A name given literally, or by Fn::Sub (its string form, variables kept). */
function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const sub = (v as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  return undefined;
}

/** Every Fn::ImportValue name anywhere under `v`. */
function importsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => importsIn(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Fn::ImportValue') {
        const n = nameOf(x);
        if (n) out.push(n);
      } else importsIn(x, out);
    }
  return out;
}

/** The template in `text` (YAML or JSON); a text that does not parse is no template. */
export function readTemplate(text: string): TemplateInfo {
  let doc: Doc | null = null;
  let invalid: TemplateInfo['invalid'];
  try {
    const parsed = parseDocument(text, { logLevel: 'silent', customTags: cfnTags });
    const first = parsed.errors[0];
    // A file that does not parse is read as nothing (yaml's silent mode would hand back the part before the
    // error, which could pass for a template that `offload validate` then refuses)
    if (first) invalid = { line: first.linePos?.[0]?.line ?? 1, message: yamlErrorText(first) };
    else doc = parsed.toJS({ maxAliasCount: 1000 }) as Doc | null;
  } catch {
    doc = null;
  }
  const resources = doc && typeof doc.Resources === 'object' && doc.Resources ? doc.Resources : {};
  const types = Object.values(resources).map((r) => (r && typeof r.Type === 'string' ? r.Type : ''));
  const isTemplate =
    doc !== null &&
    (doc.AWSTemplateFormatVersion !== undefined ||
      (types.length > 0 && types.every((t) => /^(AWS|Custom|Alexa)::/.test(t))));
  return {
    resources,
    isTemplate,
    ...(invalid ? { invalid } : {}),
    required: Object.entries(doc?.Parameters ?? {}).flatMap(([name, p]) =>
      p && p.Default === undefined ? [{ name, type: String(p.Type ?? 'String') }] : [],
    ),
    exports: Object.values(doc?.Outputs ?? {}).flatMap((o) => nameOf(o?.Export?.Name) ?? []),
    imports: importsIn(resources),
    nested: Object.values(resources).flatMap((r) => {
      const url = r?.Type === 'AWS::CloudFormation::Stack' ? r.Properties?.TemplateURL : undefined;
      return typeof url === 'string' && !/^(https?|s3):/i.test(url) ? [url] : [];
    }),
  };
}

/** Whether deploying needs an IAM capability (IAM resources or SAM functions, which create roles). */
export const needsIam = (resources: Record<string, Resource>): boolean =>
  Object.values(resources).some((r) => /^AWS::IAM::|^AWS::Serverless::Function$/.test(r?.Type ?? ''));

/** The comment lines that list a template's required parameters as a TODO (none: none). */
export function requiredParametersTodo(rel: string, required: TemplateInfo['required']): string[] {
  if (!required.length) return [];
  return [
    `TODO: review: ${rel} has parameters without a Default, and the deploy fails until each has a value:`,
    `  ${required.map((p) => `${p.name} (${p.type})`).join(', ')}`,
    `Give them here, e.g. parameters: { ${required.map((p) => `${p.name}: …`).join(', ')} }`,
  ];
}
