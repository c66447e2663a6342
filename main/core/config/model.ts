/**
 * Building the loaded config from validated data: steps with their ids, names, timeouts and places, the
 * workflows with defaults, history limits; and the look-ups every consumer shares (find a step, its order).
 */
import path from 'node:path';
import { PHASES, PHASE_TITLES, type PhaseId } from '../vocabulary';
import { ConfigError, type OffloadConfig, type PhaseConfig, type StepConfig } from './types';
import { SectionError, buildSectionModels, type SectionModels } from './sections';
import { ALWAYS_SECRET, DEFAULT_WORKFLOWS } from './schema';
import { parseDuration, parseSize } from '../units';
import { lineCol, valueOffset } from './yaml-positions';
import { isObject, sortProblems, type Checker } from './messages';
import type { FoundStep } from './validate-steps';
import type { LoadConfigOptions } from './validate-schema';

const DEFAULT_KEEP = 50;
const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
const DEFAULT_RETRY_DELAY_MS = 1000;

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

/** A step's name when it has none: its kind and the first line of what it does. */
export function defaultName(kind: string | undefined, spec: unknown): string {
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

const toEnv = (v: unknown): Record<string, string> =>
  isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};

/**
 * The loaded config from data that passed every check: steps with ids and places, defaults filled in, and each
 * section's typed model built once (a section its parser still refuses is a problem at the section).
 */
export function buildConfig(
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
  let models: SectionModels;
  try {
    models = buildSectionModels(sections, dir);
  } catch (err) {
    if (!(err instanceof SectionError)) throw err;
    c.atValue([err.section], err.message);
    throw new ConfigError(sortProblems(c.problems));
  }
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
    ...models,
  };
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
