/**
 * Loading offload.yml: YAML parse (with positions), JSON Schema validation (Ajv, every error), then the rule's
 * own checks (step kinds, ids, interpolation, workflow order). Every problem is reported at once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { AWS_PHASES, PHASES, PHASE_TITLES, type JsonSchema, type PhaseId } from '../vocabulary';
import {
  ConfigError,
  type ConfigProblem,
  type OffloadConfig,
  type PhaseConfig,
  type StepConfig,
} from './types';
import {
  ALWAYS_SECRET,
  COMMON_STEP_KEYS,
  DEFAULT_WORKFLOWS,
  URL_PATTERN,
  buildSchemaVariant,
  type StepKindShape,
} from './schema';
import { scanExpressions } from './interpolate';
import {
  DURATION_PATTERN,
  DURATION_SYNTAX,
  SIZE_PATTERN,
  durationProblem,
  parseDuration,
  parseSize,
} from '../units';
import { keyOffset, lineCol, offsetInScalar, valueOffset, type PathSeg } from './yaml-positions';
import { aliasBomb, aliasTargets, readConfigFile } from './yaml-bounds';
import { directiveProblems, documentProblems, recursiveAliases, utf8Problem } from './yaml-strict';
import { userRegexProblem } from '../units/regex';

/** What loadConfig validates against: the registered step kinds and the other concerns' sections. */
export interface LoadConfigOptions {
  stepKinds: readonly StepKindShape[];
  sections: Readonly<Record<string, JsonSchema>>;
}

const DEFAULT_KEEP = 50;
const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
const DEFAULT_RETRY_DELAY_MS = 1000;

/** `phases.local.steps[1].timeout` from path segments. */
export function formatPath(segs: readonly PathSeg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function pointerToPath(pointer: string): PathSeg[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const validators = new WeakMap<object, WeakMap<object, ValidateFunction>>();

// inlineRefs off (the step schema is compiled once, not per phase) and no code optimisation: compile time
// dominates here (a CLI compiles once per process), and it is ~5x lower this way.
export const AJV_OPTIONS: AjvOptions = {
  allErrors: true,
  verbose: true,
  strict: false,
  allowUnionTypes: true,
  inlineRefs: false,
  code: { optimize: false },
  // `format: regex` marks the user's regular expressions (editors check them too); loadConfig compiles them
  // with the engine that will run them (checkUserRegexes), so Ajv only has to know the name.
  formats: { regex: true },
};

/** The schema the validator checks (the editor schema less its editor-only rules). */
export function validationSchema(opts: LoadConfigOptions): JsonSchema {
  return buildSchemaVariant(opts.stepKinds, opts.sections, false);
}

/**
 * Registers a validator compiled ahead of time (`npm run build` writes one for the real registry), so a CLI
 * call neither loads Ajv nor compiles the schema (~120 ms of every `offload` command).
 */
export function usePrecompiledValidator(opts: LoadConfigOptions, validate: ValidateFunction): void {
  let bySections = validators.get(opts.stepKinds);
  if (!bySections) validators.set(opts.stepKinds, (bySections = new WeakMap()));
  bySections.set(opts.sections, validate);
}

function validatorFor(opts: LoadConfigOptions): ValidateFunction {
  let bySections = validators.get(opts.stepKinds);
  if (!bySections) validators.set(opts.stepKinds, (bySections = new WeakMap()));
  let v = bySections.get(opts.sections);
  if (!v) {
    const Ajv: typeof import('ajv').default = require('ajv').default;
    v = new Ajv(AJV_OPTIONS).compile(validationSchema(opts));
    bySections.set(opts.sections, v);
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  return `${typeof v} ${String(v)}`;
}

/** The allowed key closest to a mistyped one (edit distance ≤ 2), as a " (did you mean …?)" hint. */
function didYouMean(key: string, allowed: readonly string[]): string {
  const dist = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j] as number;
        row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length] as number;
  };
  let best: string | undefined;
  let bestD = 3;
  for (const k of allowed) {
    const d = dist(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function expectedType(t: unknown): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    null: 'nothing',
  };
  const list = (Array.isArray(t) ? t : String(t).split(',')).map((x) => names[String(x)] ?? String(x));
  return list.join(' or ');
}

function describeBranch(s: unknown): string {
  if (!isObject(s)) return 'a value';
  if (typeof s.description === 'string' && s.description.length < 80) return s.description.replace(/\.$/, '');
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((x) => JSON.stringify(x)).join(', ')}`;
  if (s.type === 'object' && Array.isArray(s.required) && s.required.length) {
    return `a mapping with ${s.required.join(', ')}`;
  }
  if (s.type !== undefined) return expectedType(s.type);
  return 'a value of another form';
}

function patternMessage(pattern: string, value: unknown): string {
  if (pattern === DURATION_PATTERN) {
    return `expected a duration like ${DURATION_SYNTAX}, got ${typeName(value)}`;
  }
  if (pattern === SIZE_PATTERN)
    return `expected a size like "200MB", "1GB" or a number of bytes, got ${typeName(value)}`;
  if (pattern === URL_PATTERN) {
    return `expected an http:// or https:// URL (or one built by \${{ … }}), got ${typeName(value)}`;
  }
  if (pattern === '^https?://') return `expected an http:// or https:// URL, got ${typeName(value)}`;
  if (pattern === COMMON_STEP_KEYS.id?.pattern) {
    return `expected an id of letters, digits, '-' and '_' that starts with a letter or '_', got ${typeName(value)}`;
  }
  return `expected a string matching /${pattern}/, got ${typeName(value)}`;
}

/** A step as found while checking: where it is and what it contains. */
interface FoundStep {
  phase: PhaseId;
  index: number;
  path: PathSeg[];
  raw: Record<string, unknown>;
  kind?: string;
  id?: string;
  name?: string;
}

class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lc: LineCounter,
    readonly text: string,
  ) {}

  add(offset: number, segs: readonly PathSeg[], message: string): void {
    this.problems.push({ file: this.file, ...lineCol(this.lc, offset), path: formatPath(segs), message });
  }
  atValue(segs: readonly PathSeg[], message: string): void {
    this.add(valueOffset(this.doc, segs), segs, message);
  }
  atKey(segs: readonly PathSeg[], message: string): void {
    this.add(keyOffset(this.doc, segs), segs, message);
  }
}

function isStepPath(segs: readonly PathSeg[]): boolean {
  return segs.length === 4 && segs[0] === 'phases' && segs[2] === 'steps' && typeof segs[3] === 'number';
}

function reportSchemaErrors(c: Checker, errors: ErrorObject[], data: unknown): void {
  // Collapse oneOf/anyOf: one message for the alternatives instead of each branch's complaints.
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const inBranch = (e: ErrorObject) =>
    alternatives.some(
      (a) =>
        a !== e && e.schemaPath.startsWith(a.schemaPath + '/') && e.instancePath.startsWith(a.instancePath),
    );
  for (const e of errors) {
    if (inBranch(e) || e.keyword === 'if') continue;
    const segs = pointerToPath(e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        if (isStepPath(segs)) break; // reported by checkSteps with step-kind context
        const allowed = Object.keys(
          (e.parentSchema as { properties?: object } | undefined)?.properties ?? {},
        );
        if (segs.length === 1 && segs[0] === 'phases') {
          c.atKey(
            [...segs, key],
            `unknown phase '${key}'${didYouMean(key, PHASES)}; the phases are: ${PHASES.join(', ')}`,
          );
        } else {
          c.atKey(
            [...segs, key],
            `unknown key '${key}'${didYouMean(key, allowed)}${allowed.length ? `; expected one of: ${allowed.filter((k) => k !== '$schema').join(', ')}` : ''}`,
          );
        }
        break;
      }
      case 'type':
        c.atValue(segs, `expected ${expectedType(params.type)}, got ${typeName(e.data)}`);
        break;
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(String);
        if (segs[0] === 'workflows' && segs.length === 3) {
          c.atValue(segs, `unknown phase ${JSON.stringify(e.data)}; the phases are: ${allowed.join(', ')}`);
        } else {
          c.atValue(segs, `expected one of: ${allowed.join(', ')}; got ${typeName(e.data)}`);
        }
        break;
      }
      case 'const':
        c.atValue(segs, `expected ${JSON.stringify(params.allowedValue)}, got ${typeName(e.data)}`);
        break;
      case 'pattern':
        c.atValue(segs, patternMessage(String(params.pattern), e.data));
        break;
      case 'maximum': {
        const duration = (e.parentSchema as { pattern?: unknown } | undefined)?.pattern === DURATION_PATTERN;
        c.atValue(
          segs,
          duration
            ? `expected a duration of at most 24d, got ${typeName(e.data)}`
            : `expected at most ${String(params.limit)}, got ${typeName(e.data)}`,
        );
        break;
      }
      case 'required':
        c.atValue(segs, `missing required key '${String(params.missingProperty)}'`);
        break;
      case 'uniqueItems':
        c.atValue(
          [...segs, Number(params.i)],
          `${JSON.stringify((e.data as unknown[])[Number(params.i)])} is listed twice`,
        );
        break;
      case 'oneOf':
      case 'anyOf': {
        const branches = Array.isArray(e.schema) ? e.schema : [];
        if (params.passingSchemas) {
          c.atValue(segs, `matches more than one allowed form: ${branches.map(describeBranch).join(' | ')}`);
        } else {
          c.atValue(segs, `expected ${branches.map(describeBranch).join(', or ')}; got ${typeName(e.data)}`);
        }
        break;
      }
      default:
        c.atValue(
          segs,
          `${e.message ?? 'is invalid'}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${typeName(e.data)})` : ''}`,
        );
    }
  }
  void data;
}

/**
 * What the schema lets through but must still be refused, in one walk of the data along the schema:
 * - durations no timer could wait for: a well-formed string longer than 24d (a number that long is the
 *   schema's `maximum`);
 * - the user's regular expressions (`format: regex`: model matchers and exclusions, http body checks) that the
 *   engine that will run them (RE2: linear time) refuses, so a bad one fails here with its place instead of
 *   failing every start.
 */
function checkSchemaValues(c: Checker, root: JsonSchema, data: unknown): void {
  const reported = new Set<string>();
  const report = (segs: PathSeg[], message: string, offset?: number): void => {
    const at = formatPath(segs);
    if (reported.has(at)) return;
    reported.add(at);
    if (offset === undefined) c.atValue(segs, message);
    else c.add(offset, segs, message);
  };
  walkWithSchema(root, data, (schema, v, segs) => {
    if (typeof v !== 'string') return;
    if (schema.pattern === DURATION_PATTERN) {
      const problem = new RegExp(DURATION_PATTERN).test(v) ? durationProblem(v) : undefined;
      if (problem) report(segs, problem);
    }
    // A pattern with ${{ … }} in it is known only once interpolated: the step reports it then.
    if (schema.format === 'regex' && !v.includes('${{')) {
      const problem = userRegexProblem(v);
      if (!problem) return;
      const message = `invalid regular expression: ${problem.message}${problem.fragment ? ` (at \`${problem.fragment}\`)` : ''}`;
      report(
        segs,
        message,
        problem.fragment ? offsetInScalar(c.doc, c.text, segs, problem.fragment, 0) : undefined,
      );
    }
  });
}

/** Calls `visit` for each value of `data` with each schema (branch) that applies to it. */
function walkWithSchema(
  root: JsonSchema,
  data: unknown,
  visit: (schema: Record<string, unknown>, v: unknown, segs: PathSeg[]) => void,
): void {
  const definitions = isObject(root.definitions) ? root.definitions : {};
  const walk = (schema: unknown, v: unknown, segs: PathSeg[]): void => {
    if (!isObject(schema) || v === undefined) return;
    if (typeof schema.$ref === 'string') {
      walk(definitions[schema.$ref.replace('#/definitions/', '')], v, segs);
      return;
    }
    visit(schema, v, segs);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      if (Array.isArray(schema[key])) for (const branch of schema[key]) walk(branch, v, segs);
    walk(schema.then, v, segs);
    if (isObject(v)) {
      const props = isObject(schema.properties) ? schema.properties : {};
      for (const [k, x] of Object.entries(v)) walk(props[k] ?? schema.additionalProperties, x, [...segs, k]);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(schema.items, x, [...segs, i]));
    }
  };
  walk(root, data, []);
}

/** URL-ish slug of a step name, usable as an id. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  if (!s) return 'step';
  return /^[a-z_]/.test(s) ? s : `step-${s}`;
}

function defaultName(kind: string | undefined, spec: unknown): string {
  if (!kind) return 'step';
  if (typeof spec === 'string') {
    const line = spec.trim().split('\n')[0] ?? '';
    return `${kind}: ${line.length > 60 ? line.slice(0, 59) + '…' : line}`;
  }
  if (isObject(spec)) {
    const first = Object.values(spec).find((v) => typeof v === 'string');
    if (typeof first === 'string') return `${kind}: ${first.length > 60 ? first.slice(0, 59) + '…' : first}`;
  }
  return kind;
}

function collectSteps(c: Checker, data: Record<string, unknown>, opts: LoadConfigOptions): FoundStep[] {
  const kindKeys = new Set(opts.stepKinds.map((k) => k.key));
  const extraOwners = new Map<string, string[]>();
  for (const k of opts.stepKinds) {
    for (const x of Object.keys(k.extraKeys ?? {}))
      extraOwners.set(x, [...(extraOwners.get(x) ?? []), k.key]);
  }
  const kindList = opts.stepKinds.map((k) => k.key).join(', ');
  const found: FoundStep[] = [];
  const phases = isObject(data.phases) ? data.phases : {};
  for (const phase of PHASES) {
    const p = phases[phase];
    if (!isObject(p) || !Array.isArray(p.steps)) continue;
    p.steps.forEach((raw, index) => {
      const spath: PathSeg[] = ['phases', phase, 'steps', index];
      if (!isObject(raw)) return; // Ajv reported the type
      const keys = Object.keys(raw);
      const kinds = keys.filter((k) => kindKeys.has(k));
      const unknown = keys.filter((k) => !kindKeys.has(k) && !(k in COMMON_STEP_KEYS) && !extraOwners.has(k));
      const step: FoundStep = { phase, index, path: spath, raw };
      if (kinds.length === 0) {
        if (unknown.length) {
          const k = unknown.shift() as string;
          c.atKey(
            [...spath, k],
            `unknown step kind '${k}'${didYouMean(k, [...kindKeys])}; a step needs exactly one kind key: ${kindList}`,
          );
        } else {
          c.atValue(spath, `step has no kind: expected exactly one kind key (${kindList})`);
        }
      } else if (kinds.length > 1) {
        c.atKey(
          [...spath, kinds[1] as string],
          `step has more than one kind key (${kinds.join(', ')}): a step does exactly one thing; split it into ${kinds.length} steps`,
        );
      } else {
        step.kind = kinds[0];
      }
      for (const k of unknown) {
        const allowed = [
          ...Object.keys(COMMON_STEP_KEYS),
          ...kinds.flatMap((kk) => Object.keys(opts.stepKinds.find((x) => x.key === kk)?.extraKeys ?? {})),
        ];
        c.atKey(
          [...spath, k],
          `unknown key '${k}' in a step${didYouMean(k, allowed)}; expected one of: ${allowed.join(', ')}`,
        );
      }
      for (const k of keys) {
        const owners = extraOwners.get(k);
        if (owners && step.kind && !owners.includes(step.kind)) {
          c.atKey(
            [...spath, k],
            `'${k}' is only allowed in ${owners.join(' or ')} steps, not in a ${step.kind} step`,
          );
        }
      }
      if (typeof raw.id === 'string') step.id = raw.id;
      step.name =
        typeof raw.name === 'string' && raw.name
          ? raw.name
          : defaultName(step.kind, step.kind ? raw[step.kind] : undefined);
      found.push(step);
    });
  }
  return found;
}

function assignIds(c: Checker, steps: FoundStep[]): void {
  const taken = new Map<string, FoundStep>();
  for (const s of steps) {
    if (s.id === undefined) continue;
    const first = taken.get(s.id);
    if (first) {
      const at = lineCol(c.lc, valueOffset(c.doc, [...first.path, 'id']));
      c.atValue(
        [...s.path, 'id'],
        `duplicate step id '${s.id}' (already used at line ${at.line}, column ${at.column}); step ids must be unique across the config`,
      );
    } else {
      taken.set(s.id, s);
    }
  }
  for (const s of steps) {
    if (s.id !== undefined) continue;
    const base = slugify(s.name ?? 'step');
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    s.id = id;
    taken.set(id, s);
  }
}

const before = (a: FoundStep, b: { phase: PhaseId; index: number }) =>
  PHASES.indexOf(a.phase) < PHASES.indexOf(b.phase) || (a.phase === b.phase && a.index < b.index);

function checkInterpolation(c: Checker, data: unknown, steps: FoundStep[], secrets: Set<string>): void {
  const byId = new Map<string, FoundStep>();
  for (const s of steps) if (s.id && !byId.has(s.id)) byId.set(s.id, s);
  const walk = (v: unknown, segs: PathSeg[]): void => {
    if (typeof v === 'string') {
      if (!v.includes('${{')) return;
      const occurrences = new Map<string, number>();
      for (const m of scanExpressions(v)) {
        const nth = occurrences.get(m.raw) ?? 0;
        occurrences.set(m.raw, nth + 1);
        const report = (msg: string) => c.add(offsetInScalar(c.doc, c.text, segs, m.raw, nth), segs, msg);
        if (m.error || !m.ref) {
          report(m.error ?? 'bad expression');
          continue;
        }
        const ref = m.ref;
        if (ref.context === 'secrets' && !secrets.has(ref.name)) {
          report(
            `unknown secret '${ref.name}': list it under \`secrets:\` to use \${{ secrets.${ref.name} }} (declared: ${[...secrets].join(', ')})`,
          );
        } else if (ref.context === 'steps') {
          const here = isStepPath(segs.slice(0, 4))
            ? { phase: segs[1] as PhaseId, index: segs[3] as number }
            : undefined;
          const target = byId.get(ref.step);
          if (!here) {
            report(`steps.${ref.step}.outputs.${ref.key}: step outputs can only be used inside a step`);
          } else if (!target) {
            report(`no step has id '${ref.step}' (ids: ${[...byId.keys()].join(', ') || 'none'})`);
          } else if (target.phase === here.phase && target.index === here.index) {
            report(`a step cannot use its own outputs (steps.${ref.step})`);
          } else if (!before(target, here)) {
            report(
              `step '${ref.step}' (phase ${target.phase}, step ${target.index + 1}) does not run before this step, so its outputs are not available here`,
            );
          }
        }
      }
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...segs, i]));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...segs, k]);
  };
  walk(data, []);
}

function phaseHasSteps(data: Record<string, unknown>, phase: PhaseId): boolean {
  const p = isObject(data.phases) ? data.phases[phase] : undefined;
  return isObject(p) && Array.isArray(p.steps) && p.steps.length > 0;
}

/**
 * `switch.files` are rewritten by Offload: each must resolve (symlinks followed, as the write would) inside the
 * project folder, so an offload.yml can never point Offload at a shell rc file or another project.
 */
function checkSwitchFilesInside(c: Checker, data: Record<string, unknown>, dir: string): void {
  const sw = data.switch;
  const files = isObject(sw) && Array.isArray(sw.files) ? sw.files : [];
  const realDir = realpathOrSelf(dir);
  files.forEach((f, i) => {
    if (!isObject(f) || typeof f.path !== 'string') return;
    const target = realpathOrSelf(path.resolve(dir, f.path));
    const rel = path.relative(realDir, target);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      c.atValue(
        ['switch', 'files', i, 'path'],
        `${f.path} resolves to ${target}, outside the project folder ${realDir}; Offload only switches files inside the project`,
      );
    }
  });
}

/** The real path of `p`, or of its nearest existing parent joined with the rest (a file not created yet). */
function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realpathOrSelf(parent), path.basename(p));
  }
}

function checkWorkflows(c: Checker, data: Record<string, unknown>): void {
  const localEmpty = !phaseHasSteps(data, 'local');
  const user = isObject(data.workflows) ? data.workflows : {};
  for (const [name, list] of Object.entries(user)) {
    if (!Array.isArray(list)) continue;
    const phases = list.filter((p): p is PhaseId => PHASES.includes(p as PhaseId));
    const at = (p: PhaseId) => ['workflows', name, list.indexOf(p)];
    let prev: PhaseId | undefined;
    for (const p of phases) {
      if (prev && PHASES.indexOf(p) < PHASES.indexOf(prev)) {
        c.atValue(
          at(p),
          `phase '${p}' is out of the rule's order (it is listed after '${prev}'); phases run in this order: ${PHASES.join(' → ')}`,
        );
      }
      if (!prev || PHASES.indexOf(p) > PHASES.indexOf(prev)) prev = p;
    }
    const deploy = phases.indexOf('aws-deploy');
    if (deploy >= 0 && !phases.slice(deploy + 1).includes('aws-test')) {
      c.atValue(
        at('aws-deploy'),
        `workflow '${name}' deploys to AWS (aws-deploy) without aws-test after it; AWS testing must follow every AWS deployment`,
      );
    }
    const aws = phases.find((p) => AWS_PHASES.includes(p));
    if (aws && localEmpty) {
      c.atValue(
        at(aws),
        `workflow '${name}' runs ${aws} but phases.local has no steps; no AWS phase may run without a local build & test first`,
      );
    }
  }
  // Default workflows include every AWS phase: flag AWS steps with nothing local once, at the first such phase.
  const defaultsUsed = Object.keys(DEFAULT_WORKFLOWS).some((n) => !(n in user));
  const awsWithSteps = AWS_PHASES.find((p) => phaseHasSteps(data, p));
  if (defaultsUsed && localEmpty && awsWithSteps) {
    c.atKey(
      ['phases', awsWithSteps],
      `phases.${awsWithSteps} has steps but phases.local has none; no AWS phase may run without a local build & test first`,
    );
  }
}

const toEnv = (v: unknown): Record<string, string> =>
  isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};

function buildConfig(
  file: string,
  hash: string,
  data: Record<string, unknown>,
  steps: FoundStep[],
  c: Checker,
  opts: LoadConfigOptions,
): OffloadConfig {
  const dir = path.dirname(file);
  const phases = {} as Record<PhaseId, PhaseConfig>;
  for (const id of PHASES) phases[id] = { id, title: PHASE_TITLES[id], steps: [] };
  for (const s of steps) {
    const raw = s.raw;
    const kind = s.kind as string;
    const extraKeys = Object.keys(opts.stepKinds.find((k) => k.key === kind)?.extraKeys ?? {});
    const step: StepConfig = {
      id: s.id as string,
      name: s.name as string,
      kind,
      spec: raw[kind],
      extra: Object.fromEntries(extraKeys.filter((k) => k in raw).map((k) => [k, raw[k]])),
      env: toEnv(raw.env),
      cwd: typeof raw.cwd === 'string' ? raw.cwd : undefined,
      timeoutMs: raw.timeout === undefined ? undefined : parseDuration(raw.timeout),
      retries: typeof raw.retries === 'number' ? raw.retries : 0,
      retryDelayMs:
        raw['retry-delay'] === undefined ? DEFAULT_RETRY_DELAY_MS : (parseDuration(raw['retry-delay']) ?? 0),
      continueOnError: raw['continue-on-error'] === true,
      pos: { file, ...lineCol(c.lc, valueOffset(c.doc, s.path)) },
    };
    phases[s.phase].steps.push(step);
  }
  const workflows: Record<string, PhaseId[]> = {};
  for (const [n, p] of Object.entries(DEFAULT_WORKFLOWS)) workflows[n] = [...p];
  if (isObject(data.workflows))
    for (const [n, p] of Object.entries(data.workflows)) workflows[n] = [...(p as PhaseId[])];
  const history = isObject(data.history) ? data.history : {};
  const sections: Record<string, unknown> = {};
  for (const name of Object.keys(opts.sections)) if (name in data) sections[name] = data[name];
  return {
    file,
    dir,
    hash,
    name: typeof data.name === 'string' ? data.name : path.basename(dir),
    env: toEnv(data.env),
    secrets: Array.isArray(data.secrets) ? (data.secrets as string[]) : [],
    phases,
    workflows,
    history: {
      keep: typeof history.keep === 'number' ? history.keep : DEFAULT_KEEP,
      maxBytes:
        history['max-size'] === undefined
          ? DEFAULT_MAX_BYTES
          : (parseSize(history['max-size']) ?? DEFAULT_MAX_BYTES),
    },
    sections,
  };
}

/**
 * Parses and validates config text as if read from `file`. Throws ConfigError listing every problem, sorted by
 * position. loadConfig reads the file and calls this.
 */
export function parseConfig(bytes: Buffer | string, file: string, opts: LoadConfigOptions): OffloadConfig {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const hash = createHash('sha256').update(buf).digest('hex');
  const text = buf.toString('utf8');
  const lc = new LineCounter();
  // uniqueKeys off: the package's check is quadratic in a map's size; duplicateKeys does it in linear time.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, merge: true, uniqueKeys: false });
  const c = new Checker(file, doc, lc, text);
  const notUtf8 = utf8Problem(buf);
  if (notUtf8) {
    c.add(notUtf8.offset, [], notUtf8.message);
    throw new ConfigError(c.problems);
  }
  if (!doc.errors.length) {
    const strict = [...directiveProblems(doc), ...documentProblems(doc, text)];
    const targets = text.includes('*') ? aliasTargets(doc) : undefined;
    if (targets) strict.push(...recursiveAliases(doc, targets));
    for (const p of strict) c.add(p.offset, p.path ?? [], p.message);
    const bomb = c.problems.length || !targets ? undefined : aliasBomb(doc, undefined, targets);
    if (bomb) c.add(bomb.offset, [], bomb.message);
    if (c.problems.length) throw new ConfigError(sortProblems(c.problems));
  }
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const message = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message;
      c.problems.push({
        file,
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
        path: '',
        message: `YAML syntax error: ${message}`,
      });
    }
    throw new ConfigError(sortProblems(c.problems));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    c.add(0, [], `cannot read the YAML: ${(err as Error).message}`);
    throw new ConfigError(c.problems);
  }
  if (data === null || data === undefined) {
    c.add(0, [], 'the file is empty: expected a mapping with name, phases, …');
    throw new ConfigError(c.problems);
  }
  const validate = validatorFor(opts);
  if (!validate(data)) reportSchemaErrors(c, validate.errors ?? [], data);
  if (!isObject(data)) throw new ConfigError(sortProblems(c.problems));
  checkSchemaValues(c, validationSchema(opts), data);

  const steps = collectSteps(c, data, opts);
  assignIds(c, steps);
  const secrets = new Set([
    ...(Array.isArray(data.secrets) ? data.secrets.map(String) : []),
    ...ALWAYS_SECRET,
  ]);
  checkInterpolation(c, data, steps, secrets);
  checkWorkflows(c, data);
  checkSwitchFilesInside(c, data, path.dirname(file));
  if (c.problems.length) throw new ConfigError(sortProblems(c.problems));
  return buildConfig(file, hash, data, steps, c, opts);
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Loads and validates offload.yml against the registered step kinds and sections. Throws ConfigError listing
 * every problem with file:line:col, key path and what was expected; nothing may run then.
 */
export function loadConfig(file: string, opts: LoadConfigOptions): OffloadConfig {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = readConfigFile(abs);
  } catch (err) {
    throw new ConfigError([
      {
        file: abs,
        line: 1,
        column: 1,
        path: '',
        message: `cannot read the config: ${(err as Error).message}`,
      },
    ]);
  }
  return parseConfig(bytes, abs, opts);
}

/** Where a step sits in the rule's order, to tell whether one runs before another. */
export interface StepPlace {
  phase: PhaseId;
  index: number;
}

/** Finds a step of a loaded config by id, with its place in the rule's order. */
export function findStep(config: OffloadConfig, id: string): (StepPlace & { step: StepConfig }) | undefined {
  for (const phase of PHASES) {
    const index = config.phases[phase].steps.findIndex((s) => s.id === id);
    if (index >= 0) return { phase, index, step: config.phases[phase].steps[index] as StepConfig };
  }
  return undefined;
}

/** True when step `earlierId` runs before step `laterId` in the rule's order (phase order, then position). */
export function stepRunsBefore(config: OffloadConfig, earlierId: string, laterId: string): boolean {
  const a = findStep(config, earlierId);
  const b = findStep(config, laterId);
  if (!a || !b) return false;
  return PHASES.indexOf(a.phase) < PHASES.indexOf(b.phase) || (a.phase === b.phase && a.index < b.index);
}

/** The secret names a config declares, plus those that are always secret (the AWS credentials). */
export function secretNames(config: OffloadConfig): string[] {
  return [...new Set([...config.secrets, ...ALWAYS_SECRET])];
}
