/**
 * `${{ expr }}` interpolation, GitHub Actions style: parsed and checked at load (with positions) and evaluated
 * by the engine just before a step runs. Contexts: env.NAME, secrets.NAME, steps.<id>.outputs.<key>,
 * project.name, project.dir, run.id, run.workflow.
 */

/** A parsed reference inside `${{ }}`. */
export type ExprRef =
  | { context: 'env' | 'secrets'; name: string }
  | { context: 'steps'; step: string; key: string }
  | { context: 'project'; name: 'name' | 'dir' }
  | { context: 'run'; name: 'id' | 'workflow' };

/** One `${{ … }}` found in a string: where it starts in the string, its raw text and what it refers to. */
export interface ExprMatch {
  index: number;
  raw: string;
  ref?: ExprRef;
  error?: string;
}

/** What the engine knows when it interpolates a step. */
export interface InterpolationContext {
  env: Record<string, string>;
  secrets: Record<string, string>;
  steps: Record<string, Record<string, string>>;
  project: { name: string; dir: string };
  run: { id: string; workflow: string };
  /** Each step's kind by id: only `run` steps write "$OFFLOAD_OUTPUT"; built-in kinds publish their own outputs. */
  stepKinds?: Record<string, string>;
}

const CONTEXTS = 'env, secrets, steps, project or run';
const FORMS =
  'env.NAME, secrets.NAME, steps.<id>.outputs.<key>, project.name, project.dir, run.id or run.workflow';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Parses the text between `${{` and `}}`; returns the reference or an error saying what was expected. */
export function parseExpression(text: string): { ref?: ExprRef; error?: string } {
  const expr = text.trim();
  if (!expr) return { error: `empty expression: expected ${FORMS}` };
  if (!/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/.test(expr)) {
    return {
      error: `bad expression '${expr}': expected ${FORMS} (operators and functions are not supported)`,
    };
  }
  const segs = expr.split('.');
  const head = segs[0] as string;
  const bad = (what: string) => ({ error: `bad reference '${expr}': expected ${what}` });
  switch (head) {
    case 'env':
    case 'secrets':
      if (segs.length !== 2 || !NAME.test(segs[1] as string)) return bad(`${head}.NAME`);
      return { ref: { context: head, name: segs[1] as string } };
    case 'steps':
      if (
        segs.length !== 4 ||
        segs[2] !== 'outputs' ||
        !STEP_ID.test(segs[1] as string) ||
        !KEY.test(segs[3] as string)
      ) {
        return bad('steps.<id>.outputs.<key>');
      }
      return { ref: { context: 'steps', step: segs[1] as string, key: segs[3] as string } };
    case 'project':
      if (segs.length !== 2 || (segs[1] !== 'name' && segs[1] !== 'dir'))
        return bad('project.name or project.dir');
      return { ref: { context: 'project', name: segs[1] } };
    case 'run':
      if (segs.length !== 2 || (segs[1] !== 'id' && segs[1] !== 'workflow'))
        return bad('run.id or run.workflow');
      return { ref: { context: 'run', name: segs[1] } };
    default:
      return { error: `unknown context '${head}' in '${expr}': expected ${CONTEXTS} (${FORMS})` };
  }
}

/** Every `${{ … }}` in a string, in order; an unclosed one ends the scan with an error. */
export function scanExpressions(s: string): ExprMatch[] {
  const out: ExprMatch[] = [];
  let from = 0;
  for (;;) {
    const start = s.indexOf('${{', from);
    if (start < 0) return out;
    const end = s.indexOf('}}', start + 3);
    if (end < 0) {
      out.push({
        index: start,
        raw: s.slice(start),
        error: "unclosed '${{': expected '}}' to end the expression",
      });
      return out;
    }
    const raw = s.slice(start, end + 2);
    out.push({ index: start, raw, ...parseExpression(s.slice(start + 3, end)) });
    from = end + 2;
  }
}

/** Whether a value holds any `${{`. */
export function hasExpressions(s: string): boolean {
  return s.includes('${{');
}

function evaluate(ref: ExprRef, ctx: InterpolationContext, used: Set<string>): string {
  switch (ref.context) {
    case 'env': {
      const v = ctx.env[ref.name];
      if (v === undefined)
        throw new Error(`\${{ env.${ref.name} }}: environment variable ${ref.name} is not set`);
      return v;
    }
    case 'secrets': {
      const v = ctx.secrets[ref.name];
      if (v === undefined) {
        throw new Error(`\${{ secrets.${ref.name} }}: secret ${ref.name} is not set in the environment`);
      }
      used.add(ref.name);
      return v;
    }
    case 'steps': {
      const outputs = ctx.steps[ref.step];
      if (!outputs) {
        throw new Error(
          `\${{ steps.${ref.step}.outputs.${ref.key} }}: step '${ref.step}' has not run in this run, so it has no outputs (run a workflow that includes its phase)`,
        );
      }
      const v = outputs[ref.key];
      if (v === undefined) {
        const have = Object.keys(outputs);
        throw new Error(
          `\${{ steps.${ref.step}.outputs.${ref.key} }}: step '${ref.step}' did not publish output '${ref.key}' (${have.length ? `it published: ${have.join(', ')}` : 'it published no outputs'}; ${missingOutputHint(ref.key, ctx.stepKinds?.[ref.step])})`,
        );
      }
      return v;
    }
    case 'project':
      return ctx.project[ref.name];
    case 'run':
      return ctx.run[ref.name];
  }
}

/** How to get a missing output: a `run` step writes it; a built-in kind publishes only what its kind lists. */
const missingOutputHint = (key: string, kind: string | undefined): string =>
  kind && kind !== 'run'
    ? `a ${kind} step publishes the outputs its kind documents, some only in some cases; check the key against that list`
    : `write ${key}=… to "$OFFLOAD_OUTPUT"`;

function interpolateString(s: string, ctx: InterpolationContext, used: Set<string>): string {
  if (!hasExpressions(s)) return s;
  let out = '';
  let last = 0;
  for (const m of scanExpressions(s)) {
    if (!m.ref) throw new Error(`${m.raw}: ${m.error}`);
    out += s.slice(last, m.index) + evaluate(m.ref, ctx, used);
    last = m.index + m.raw.length;
  }
  return out + s.slice(last);
}

/**
 * Replaces every `${{ … }}` in the strings of a value (deeply; keys stay as they are). Returns the new value
 * and the names of the secrets it used, so the engine can mask their values. Throws a clear Error when a
 * reference cannot be resolved now (missing output, unset variable).
 */
export function interpolate(
  value: unknown,
  ctx: InterpolationContext,
): { value: unknown; secretsUsed: string[] } {
  const used = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return interpolateString(v, ctx, used);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const out = walk(value);
  return { value: out, secretsUsed: [...used] };
}
