/**
 * The rule's own checks, beyond the schema: each step has exactly one kind and only its keys, ids are unique (and
 * derived where absent), `${{ }}` references exist and run before their use, workflows keep the rule's order,
 * and switched files and step templates stay inside the project.
 */
import { AWS_PHASES, kindPhaseProblem, PHASES, type PhaseId } from '../vocabulary';
import { COMMON_STEP_KEYS, DEFAULT_WORKFLOWS } from './schema';
import { scanExpressions } from './interpolate';
import { lineCol, offsetInScalar, ownKeyOffset, valueOffset, type PathSeg } from './yaml-positions';
import { didYouMean, isObject, isStepPath, type Checker } from './messages';
import { defaultName, slugify } from './model';
import type { LoadConfigOptions } from './validate-schema';
import type { StepKindShape } from './schema';
import type { OffloadConfig } from '../vocabulary';
import { fileKind, statOrUndefined } from '../boundary/files';
import { scriptShellProblem } from '../boundary/spawn';
import { resolveProjectPath } from '../boundary/project-paths';

/** A step as found while checking: where it is and what it contains. */
export interface FoundStep {
  phase: PhaseId;
  index: number;
  path: PathSeg[];
  raw: Record<string, unknown>;
  kind?: string;
  id?: string;
  name?: string;
}

/** Every step with its place and kind; a step without exactly one kind, or with keys it may not have, is a problem. */
export function collectSteps(
  c: Checker,
  data: Record<string, unknown>,
  opts: LoadConfigOptions,
): FoundStep[] {
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
      const unknown = keys.filter(
        (k) => !kindKeys.has(k) && !Object.hasOwn(COMMON_STEP_KEYS, k) && !extraOwners.has(k),
      );
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
        step.kind = kinds[0] as string;
        // A kind outside its phases would skip the gates of the phase it belongs in. Placed at the kind key as
        // the step writes it, or where an alias or merge key copied the step in from another phase.
        const kind = opts.stepKinds.find((k) => k.key === step.kind) as StepKindShape;
        const problem = kindPhaseProblem(kind, phase);
        if (problem) c.add(ownKeyOffset(c.doc, [...spath, step.kind]), [...spath, step.kind], problem);
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

/** Duplicate ids are problems; a step without one gets its name's slug (`-2`, `-3`… on clashes). */
export function assignIds(c: Checker, steps: FoundStep[]): void {
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

/** Each `${{ }}`: well formed, a declared secret, or the outputs of a step that runs before this one. */
export function checkInterpolation(
  c: Checker,
  data: unknown,
  steps: FoundStep[],
  secrets: Set<string>,
): void {
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

/** A problem found at a key path of the data (placed at its value by the caller). */
export interface PathProblem {
  path: PathSeg[];
  message: string;
}

/** A step as the path checks read it: where it is, its kind and what it holds. */
export type StepAt = Pick<FoundStep, 'path' | 'kind' | 'raw'>;

/**
 * The checks whose answer depends on other files than offload.yml, not on its text alone (where a switched
 * file or a template resolves): a kept config (config-cache.ts) is checked by these again on every load.
 */
export function fileSystemProblems(
  data: Record<string, unknown>,
  steps: readonly StepAt[],
  dir: string,
): PathProblem[] {
  return [...switchFilesOutside(data, dir), ...templatesOutside(steps, dir)];
}

/**
 * `switch.files` are rewritten by Offload: each must resolve (symlinks followed, as the write would) inside the
 * project folder, so an offload.yml can never point Offload at a shell rc file or another project; one that
 * exists must be a regular file (a FIFO, device or folder is refused here, not first at `switch`).
 */
function switchFilesOutside(data: Record<string, unknown>, dir: string): PathProblem[] {
  const sw = data.switch;
  const files = isObject(sw) && Array.isArray(sw.files) ? sw.files : [];
  const problems: PathProblem[] = [];
  files.forEach((f, i) => {
    if (!isObject(f) || typeof f.path !== 'string') return;
    const at = ['switch', 'files', i, 'path'];
    const { target, outside } = resolveProjectPath(dir, f.path, { what: 'switches files' });
    if (outside) {
      problems.push({ path: at, message: outside });
      return;
    }
    const st = statOrUndefined(target);
    if (st && !st.isFile()) {
      problems.push({
        path: at,
        message: `${f.path} is ${fileKind(st)}, not a regular file; Offload only switches regular files (it was not opened)`,
      });
    }
  });
  return problems;
}

/**
 * A step's `template:` (the file a deploy step sends) must resolve inside the project folder or the git work
 * tree holding it: `../other/stack.json`, an absolute path or a symlink out would deploy another project's
 * file (or any readable file) under this one's name. A template not built yet is checked where it would be.
 */
function templatesOutside(steps: readonly StepAt[], dir: string): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const s of steps) {
    const kind = s.kind;
    const spec = kind === undefined ? undefined : s.raw[kind];
    if (kind === undefined || !isObject(spec) || typeof spec.template !== 'string') continue;
    if (spec.template.includes('${{')) continue; // filled in at the run, checked there
    const place = resolveProjectPath(dir, spec.template, { what: 'deploys templates', gitRoot: true });
    if (place.outside) problems.push({ path: [...s.path, kind, 'template'], message: place.outside });
  }
  return problems;
}

/** An entry point name: one plain word, so it is safe unquoted in CI files (YAML, GitHub expressions) and shells. */
export const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Workflows keep the rule's order, test after every AWS deploy and never reach AWS without a local phase; what
 * changes AWS (aws-prepare, aws-deploy) needs an aws-test phase with steps.
 */
export function checkWorkflows(c: Checker, data: Record<string, unknown>): void {
  const localEmpty = !phaseHasSteps(data, 'local');
  const user = isObject(data.workflows) ? data.workflows : {};
  for (const [name, list] of Object.entries(user)) {
    if (!ENTRY_NAME.test(name))
      c.atKey(
        ['workflows', name],
        `entry point name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit); it is written into CI files and command lines`,
      );
    if (!Array.isArray(list)) continue;
    // `offload run local` is the local build and tests in every project (CI's local job, the tray, the README):
    // offload.yml may list it, not make it run something else (an AWS deployment, the shutdown)
    if (name === 'local' && (list.length !== 1 || list[0] !== 'local')) {
      c.atValue(
        ['workflows', name],
        `the entry point 'local' is the local phase alone ([local]) in every project: \`offload run local\` must not run ${list.filter((p) => p !== 'local').join(', ') || 'anything else'}; give this list another name`,
      );
      continue;
    }
    // the phases with their positions: a phase listed twice is blamed where it is, not at its first listing
    const listed = [...list.entries()].filter((e): e is [number, PhaseId] =>
      PHASES.includes(e[1] as PhaseId),
    );
    const phases = listed.map(([, p]) => p);
    const at = (p: PhaseId) => ['workflows', name, list.indexOf(p)];
    let prev: PhaseId | undefined;
    for (const [i, p] of listed) {
      if (prev && PHASES.indexOf(p) < PHASES.indexOf(prev)) {
        c.atValue(
          ['workflows', name, i],
          `phase '${p}' is out of the rule's order (it is listed after '${prev}'); phases run in this order: ${PHASES.join(' → ')}`,
        );
      }
      if (!prev || PHASES.indexOf(p) > PHASES.indexOf(prev)) prev = p;
    }
    // the last deployment listed: each must be followed by AWS testing
    const deploy = phases.lastIndexOf('aws-deploy');
    if (deploy >= 0 && !phases.slice(deploy + 1).includes('aws-test')) {
      c.atValue(
        ['workflows', name, list.lastIndexOf('aws-deploy')],
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
  // What changes AWS (infrastructure in aws-prepare, services in aws-deploy) with no AWS testing phase would pass
  // straight to shutdown: its test gate sees an empty phase as nothing to wait for, so the local models would be
  // stopped in favour of an untested AWS. Said once, at the first such phase.
  const changesAws = (['aws-prepare', 'aws-deploy'] as const).find((p) => phaseHasSteps(data, p));
  if (changesAws && !phaseHasSteps(data, 'aws-test')) {
    c.atKey(
      ['phases', changesAws],
      `has steps but phases.aws-test has none; AWS testing must follow every change to AWS (${changesAws === 'aws-prepare' ? 'infrastructure' : 'a deployment'}): add the integration and end-to-end tests that run against it (shutdown would otherwise stop the local models in favour of an untested AWS)`,
    );
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

/**
 * Each step kind's own checks of its spec (`StepKind.check`), at the kind key's value: the same function the
 * step runs before it starts, so validate and run agree. Specs holding `${{ }}` are checked when they run.
 */
export function checkStepSpecs(
  c: Checker,
  steps: readonly FoundStep[],
  opts: LoadConfigOptions,
  config: OffloadConfig,
): void {
  for (const s of steps) {
    const kind = s.kind === undefined ? undefined : opts.stepKinds.find((k) => k.key === s.kind);
    if (!kind || s.kind === undefined) continue;
    const spec = s.raw[s.kind];
    // A script's `${{ }}` reach its shell as environment variables: a shell that cannot reference them is
    // refused here, by the same function the step runs, not after earlier phases have deployed.
    if (kind.scriptShell && typeof spec === 'string') {
      const problem = scriptShellProblem(kind.scriptShell(s.raw), spec);
      if (problem) c.atValue([...s.path, s.kind], problem);
    }
    for (const p of kindCheckProblems(kind, spec, config)) c.atValue([...s.path, s.kind], p);
  }
}

/**
 * What a step kind's own check says of a spec (it may read files: a template that does not parse); a spec
 * holding `${{ }}` is checked when it runs. The full load and a kept config (config-cache.ts) both ask this.
 */
export function kindCheckProblems(
  kind: StepKindShape | undefined,
  spec: unknown,
  config: OffloadConfig,
): string[] {
  if (!kind?.check || JSON.stringify(spec ?? null).includes('${{')) return [];
  try {
    // The schema has checked the spec's shape: it is the kind's Spec.
    return (kind.check as (spec: unknown, config: OffloadConfig) => string[])(spec, config);
  } catch (err) {
    return [(err as Error).message];
  }
}
