/**
 * A CloudFormation template as this machine reads it: JSON, or YAML with CloudFormation's short-form tags
 * (!Ref, !Sub …). A template that does not parse is reported here with file:line:column before anything is
 * sent to AWS (CloudFormation would only say "Template format error" after a round trip).
 */
import YAML from 'yaml';
import { yamlErrorText } from '../config/yaml-positions';

const SHORT_FORM = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'FindInMap', 'GetAZs']
  .concat(['ImportValue', 'Base64', 'Cidr', 'And', 'Equals', 'Not', 'Or', 'Condition', 'Transform'])
  .flatMap((n) =>
    (['scalar', 'seq', 'map'] as const).map((collection) => ({
      tag: `!${n}`,
      ...(collection === 'scalar' ? {} : { collection }),
      resolve: (v: unknown) => v,
    })),
  );

/** A template that does not parse, with where. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${line}:${col}: ${detail}`);
  }
}

/** 1-based line and column of a 0-based offset in `text`. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Parses a template body (JSON when it starts with `{`, else YAML); throws TemplateSyntaxError with where. */
export function parseTemplate(body: string): unknown {
  if (body.trimStart().startsWith('{')) {
    try {
      return JSON.parse(body) as unknown;
    } catch (err) {
      const msg = (err as Error).message;
      const lc = /line (\d+) column (\d+)/.exec(msg);
      const pos = /position (\d+)/.exec(msg);
      const at = lc
        ? { line: Number(lc[1]), col: Number(lc[2]) }
        : lineCol(body, pos ? Number(pos[1]) : body.length);
      throw new TemplateSyntaxError(at.line, at.col, msg.replace(/\s*\(line \d+ column \d+\)/, ''));
    }
  }
  const doc = YAML.parseDocument(body, {
    customTags: (tags) => [...tags, ...SHORT_FORM],
    logLevel: 'silent',
  });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0] ?? lineCol(body, first.pos[0]);
    throw new TemplateSyntaxError(at.line, at.col, yamlErrorText(first));
  }
  return doc.toJS() as unknown;
}

/** Parameter names a template declares (undefined when it cannot be read here: S3 URL, unusual YAML). */
export function templateParameters(body: string | undefined): Set<string> | undefined {
  if (body === undefined) return undefined;
  try {
    const params = (parseTemplate(body) as { Parameters?: unknown } | null)?.Parameters;
    return new Set(params && typeof params === 'object' ? Object.keys(params) : []);
  } catch {
    return undefined;
  }
}
