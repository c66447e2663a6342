/**
 * The team's evidence: one record per finished run (write-once), one pass record per phase and fingerprint
 * (so the gate checks a teammate's pass with one GET, never a listing), and their shape checks on read.
 * Pure: building, keying and validating; the bucket and the queue are elsewhere.
 */
import type { RunSnapshot } from '../vocabulary';
import type { DeployedItem } from '../deployments';
import { visibleText } from '../boundary/text';
import type { TeamConfig } from './config';

/** Who ran it (the git author; the AWS caller identity where known) and where (this laptop or a CI job). */
export interface TeamActor {
  who: string;
  where: string;
  /** The AWS caller identity's ARN (sts GetCallerIdentity), when it could be asked. */
  awsIdentity?: string;
  /** Why the caller identity is not known (expired SSO, AccessDenied, offline): said, never a failed run. */
  awsIdentityError?: string;
}

/** One finished run, as the team sees it. */
export interface RunEvidence extends TeamActor {
  version: 1;
  kind: 'offload-run';
  project: string;
  workflow: string;
  runId: string;
  fingerprint: string;
  commit?: string;
  environment: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  phases: { id: string; status: string; durationMs: number }[];
  deployed: DeployedItem[];
}

/** A phase passed for a fingerprint: the record the gate reads by key. */
export interface PassEvidence extends TeamActor {
  version: 1;
  kind: 'offload-pass';
  project: string;
  phase: string;
  fingerprint: string;
  runId: string;
  at: string;
  commit?: string;
  environment: string;
}

const FINGERPRINT = /^[0-9a-f]{64}$/;
const SEGMENT = /[^A-Za-z0-9._-]/g;

/** A project or environment name as one key segment (no slashes, nothing a key could be steered with). */
export const keySegment = (s: string): string => s.replace(SEGMENT, '_').slice(0, 100) || '_';

const base = (cfg: Pick<TeamConfig, 'prefix'>): string => (cfg.prefix ? `${cfg.prefix}/` : '');

const failuresOf = (cfg: Pick<TeamConfig, 'prefix'>, project: string): string =>
  `${base(cfg)}failures/${keySegment(project)}/`;

/** The keys of everything the team writes, from what is looked up: never a listing per check. */
export const teamKeys = {
  run: (cfg: Pick<TeamConfig, 'prefix'>, project: string, runId: string) =>
    `${base(cfg)}runs/${keySegment(project)}/${keySegment(runId)}.json`,
  pass: (cfg: Pick<TeamConfig, 'prefix'>, project: string, phase: string, fingerprint: string) =>
    `${base(cfg)}passes/${keySegment(project)}/${keySegment(phase)}/${keySegment(fingerprint)}.json`,
  deploys: (cfg: Pick<TeamConfig, 'prefix'>, project: string, env: string) =>
    `${base(cfg)}deploys/${keySegment(project)}/${keySegment(env)}/`,
  lock: (cfg: Pick<TeamConfig, 'prefix'>, project: string, env: string) =>
    `${base(cfg)}locks/${keySegment(project)}/${keySegment(env)}.json`,
  /** The project's failed runs: newest first in key order, so one capped listing reads the recent ones. */
  failures: (cfg: Pick<TeamConfig, 'prefix'>, project: string) => failuresOf(cfg, project),
  failure: (cfg: Pick<TeamConfig, 'prefix'>, project: string, atMs: number, runId: string) =>
    `${failuresOf(cfg, project)}${newestFirst(atMs)}_${keySegment(runId)}.json`,
};

/** The largest time a key can hold (year 2286): keys sort by it backwards. */
const LAST_MS = 9_999_999_999_999;

/** A time as a key prefix that sorts newest first (S3 lists keys in ascending order). */
export const newestFirst = (atMs: number): string =>
  String(LAST_MS - Math.min(LAST_MS, Math.max(0, Math.floor(atMs)))).padStart(13, '0');

/** The evidence of a finished run, from its snapshot and what its deploy steps deployed. */
export function runEvidence(
  snap: RunSnapshot,
  o: { project: string; environment: string; commit?: string; deployed: DeployedItem[]; actor: TeamActor },
): RunEvidence {
  return {
    version: 1,
    kind: 'offload-run',
    project: o.project,
    workflow: snap.workflow,
    runId: snap.runId,
    fingerprint: snap.fingerprint,
    ...(o.commit ? { commit: o.commit } : {}),
    environment: o.environment,
    status: snap.status,
    startedAt: snap.startedAt,
    ...(snap.finishedAt ? { finishedAt: snap.finishedAt } : {}),
    phases: snap.phases.map((p) => ({
      id: p.id,
      status: p.status,
      durationMs: p.steps.reduce((sum, s) => sum + (s.durationMs ?? 0), 0),
    })),
    deployed: o.deployed,
    ...o.actor,
  };
}

/** The pass records a finished run adds: one per passed phase, keyed by phase and fingerprint. */
export function passEvidence(run: RunEvidence): PassEvidence[] {
  return run.phases
    .filter((p) => p.status === 'passed')
    .map((p) => ({
      version: 1,
      kind: 'offload-pass',
      project: run.project,
      phase: p.id,
      fingerprint: run.fingerprint,
      runId: run.runId,
      at: run.finishedAt ?? run.startedAt,
      ...(run.commit ? { commit: run.commit } : {}),
      environment: run.environment,
      who: run.who,
      where: run.where,
      ...(run.awsIdentity ? { awsIdentity: run.awsIdentity } : {}),
    }));
}

const str = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/**
 * A record read back from the shared bucket, every string in it one line with control, bidi and invisible
 * characters shown as `⟨U+XXXX⟩`: anyone who can write there fills what the team view and messages show.
 */
export function shownStrings<T>(v: T): T {
  if (typeof v === 'string') return visibleText(v, { newlines: false }) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => shownStrings(x)) as T;
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shownStrings(x)])) as T;
  return v;
}

/**
 * A pass record read back, checked against what was asked for: its shape, its fingerprint's format, and that
 * it is the project, phase and fingerprint of its key. Returns the record or why it is not one (skipped).
 */
export function checkPassRecord(
  text: string,
  want: { project: string; phase: string; fingerprint: string },
): { pass: PassEvidence } | { malformed: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { malformed: 'not an object' };
  const r = v as Record<string, unknown>;
  if (r.version !== 1 || r.kind !== 'offload-pass')
    return { malformed: 'not an Offload pass record (version 1)' };
  if (!str(r.fingerprint) || !FINGERPRINT.test(r.fingerprint))
    return { malformed: 'fingerprint is not a sha-256' };
  if (r.fingerprint !== want.fingerprint || r.phase !== want.phase || r.project !== want.project)
    return { malformed: 'its project, phase or fingerprint is not the one its key names' };
  for (const k of ['runId', 'at', 'who', 'where', 'environment'] as const)
    if (!str(r[k])) return { malformed: `${k} is missing or not a short string` };
  return { pass: shownStrings(r) as unknown as PassEvidence };
}

/** A run record read back (for `offload team`), or why it is skipped. */
export function checkRunRecord(text: string): { run: RunEvidence } | { malformed: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { malformed: 'not JSON' };
  }
  const r = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  if (r.version !== 1 || r.kind !== 'offload-run')
    return { malformed: 'not an Offload run record (version 1)' };
  if (!str(r.fingerprint) || !FINGERPRINT.test(r.fingerprint))
    return { malformed: 'fingerprint is not a sha-256' };
  for (const k of ['runId', 'workflow', 'status', 'startedAt', 'who', 'where', 'environment'] as const)
    if (!str(r[k])) return { malformed: `${k} is missing or not a short string` };
  if (!Array.isArray(r.phases) || !Array.isArray(r.deployed))
    return { malformed: 'phases or deployed missing' };
  for (const k of ['commit', 'finishedAt'] as const)
    if (r[k] !== undefined && !str(r[k])) return { malformed: `${k} is not a short string` };
  if (r.phases.length > 20 || !r.phases.every((p) => isRecord(p) && str(p.id) && str(p.status)))
    return { malformed: 'a phase is not { id, status }' };
  if (r.deployed.length > 1000 || !r.deployed.every((d) => isRecord(d) && str(d.summary, 2000)))
    return { malformed: 'a deployed item has no summary' };
  if (r.awsIdentity !== undefined && !str(r.awsIdentity))
    return { malformed: 'awsIdentity is not a short string' };
  return { run: shownStrings(r) as unknown as RunEvidence };
}

/** Where this run happens: the CI job's URL where the environment names one, else this machine's name. */
export function runWhere(env: NodeJS.ProcessEnv, hostname: string): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  if (server && repo && run) return `${server}/${repo}/actions/runs/${run}`;
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  if (env.BUILD_URL) return env.BUILD_URL;
  return hostname;
}
