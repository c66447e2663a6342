/**
 * The rule's phase gates (not the AWS-ready gate, which is ../rule/aws-ready), checked before each phase
 * starts: (a) every AWS phase needs the local phase passed on the same source fingerprint; (b) aws-deploy
 * needs aws-prepare to have passed once; (c) shutdown needs what changes AWS to have passed (a deployment, or
 * the preparation where offload.yml deploys nothing else) and AWS testing passed after the latest change to
 * AWS (deployment or preparation). Monitor needs nothing. The records live in the project's history folder
 * (gates.json, written atomically) so they survive run pruning.
 */
import { describeChange, pruneManifests, rememberManifest, type Fingerprint } from './fingerprint';
import { AWS_PHASES, type PhaseId } from './types';

/** One gate-relevant fact: a phase passed (or a deployment started) for a fingerprint in a run. */
export interface PhaseGateRecord {
  fingerprint: string;
  parts: Partial<Fingerprint['parts']>;
  at: string;
  runId: string;
  /** Order of events (time stamps can tie). */
  seq: number;
}

/** Everything the gates know about a project. */
export interface PhaseGateState {
  version: 1;
  seq: number;
  /** Recent local passes, newest last. */
  localPasses: PhaseGateRecord[];
  preparePassed?: PhaseGateRecord;
  /** The latest AWS preparation attempt (infrastructure changes AWS too, passed or not). */
  prepareStarted?: PhaseGateRecord;
  /** The latest deployment attempt (a deployment that started changes AWS, passed or not). */
  deployStarted?: PhaseGateRecord;
  deployPassed?: PhaseGateRecord;
  awsTestPassed?: PhaseGateRecord;
}

/** Where gate records are kept (HistoryStore satisfies it); the recorded file lists go under `projectDir`. */
export interface PhaseGateStorage {
  readonly projectDir: string;
  readState<T>(name: string): T | undefined;
  writeState(name: string, value: unknown): void;
}

const MAX_LOCAL_PASSES = 20;
const FILE = 'gates';

export function emptyPhaseGates(): PhaseGateState {
  return { version: 1, seq: 0, localPasses: [] };
}

/** A record as Offload writes it: the gates compare its fingerprint and seq, and messages show the rest. */
function isRecord(r: unknown): r is PhaseGateRecord {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  const parts = o.parts;
  return (
    typeof o.fingerprint === 'string' &&
    typeof o.at === 'string' &&
    typeof o.runId === 'string' &&
    Number.isSafeInteger(o.seq) &&
    typeof parts === 'object' &&
    parts !== null &&
    !Array.isArray(parts) &&
    Object.values(parts).every((v) => v === undefined || typeof v === 'string')
  );
}

const SINGLE_RECORDS = [
  'preparePassed',
  'prepareStarted',
  'deployStarted',
  'deployPassed',
  'awsTestPassed',
] as const;

/**
 * Reads the project's gate records; empty when none, unreadable or not as Offload writes them. A damaged file
 * counts as a whole for nothing (the runs it asks for write it anew): dropping only the damaged records could
 * lift a gate (a lost `deployStarted` would let an AWS test that predates the deployment count), and a record
 * that is not an object (null) failed every run of the project until the file was removed by hand. `seq` must
 * be at least every record's, or a new deployment would be numbered before the AWS test that preceded it.
 */
export function readPhaseGates(storage: PhaseGateStorage): PhaseGateState {
  const s = storage.readState<PhaseGateState>(FILE);
  if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.localPasses))
    return emptyPhaseGates();
  const records: unknown[] = [...s.localPasses];
  for (const k of SINGLE_RECORDS) if (s[k] !== undefined) records.push(s[k]);
  if (!Number.isSafeInteger(s.seq) || !records.every(isRecord)) return emptyPhaseGates();
  if (records.some((r) => (r as PhaseGateRecord).seq > s.seq)) return emptyPhaseGates();
  return s;
}

/** Writes the gate records and keeps exactly the file lists they refer to (so refusals can name files). */
export function writePhaseGates(storage: PhaseGateStorage, state: PhaseGateState, fp?: Fingerprint): void {
  storage.writeState(FILE, state);
  try {
    if (fp) rememberManifest(storage.projectDir, fp);
    const records = [
      ...state.localPasses,
      state.preparePassed,
      state.prepareStarted,
      state.deployStarted,
      state.deployPassed,
      state.awsTestPassed,
    ];
    pruneManifests(storage.projectDir, new Set(records.flatMap((r) => (r ? [r.fingerprint] : []))));
  } catch {
    // the file lists only make messages more precise
  }
}

/** Records that a phase started (only what changes AWS matters: AWS testing must follow it). */
export function notePhaseStarted(
  state: PhaseGateState,
  phase: PhaseId,
  fp: Fingerprint,
  runId: string,
  at: string,
): void {
  if (phase === 'aws-deploy') state.deployStarted = record(state, fp, runId, at);
  else if (phase === 'aws-prepare') state.prepareStarted = record(state, fp, runId, at);
}

/**
 * A phase's outcome once its steps ran, `softFailures` the continue-on-error steps that failed: passed, naming
 * them, except AWS testing where every step failed: it verified nothing, and shutdown must not follow it (the
 * rule: AWS tests pass in full before the local models stop).
 */
export function phaseOutcome(
  phase: PhaseId,
  steps: number,
  softFailures: readonly string[],
): { status: 'passed' | 'failed'; reason?: string } {
  if (!softFailures.length) return { status: 'passed' };
  const names = softFailures.join(', ');
  if (phase === 'aws-test' && softFailures.length >= steps)
    return {
      status: 'failed',
      reason: `every AWS test failed (${names}; each is continue-on-error): AWS testing verified nothing`,
    };
  return { status: 'passed', reason: `passed with continue-on-error failures: ${names}` };
}

/** Records that a phase passed for a fingerprint. */
export function notePhasePassed(
  state: PhaseGateState,
  phase: PhaseId,
  fp: Fingerprint,
  runId: string,
  at: string,
): void {
  const r = record(state, fp, runId, at);
  if (phase === 'local') {
    state.localPasses = [...state.localPasses.filter((p) => p.fingerprint !== fp.value), r].slice(
      -MAX_LOCAL_PASSES,
    );
  } else if (phase === 'aws-prepare') state.preparePassed = r;
  else if (phase === 'aws-deploy') state.deployPassed = r;
  else if (phase === 'aws-test') state.awsTestPassed = r;
}

function record(state: PhaseGateState, fp: Fingerprint, runId: string, at: string): PhaseGateRecord {
  state.seq += 1;
  return { fingerprint: fp.value, parts: { ...fp.parts }, at, runId, seq: state.seq };
}

/** Shortens a fingerprint for messages. */
export function shortFingerprint(fp: string): string {
  return `${fp.slice(0, 8)}…`;
}

/**
 * The command that satisfies a gate: `offload run` of the entry points running all of `phases` (else those
 * running the first), e.g. "run `offload run full` or `offload run infrastructure`".
 */
export function suggest(workflows: Record<string, readonly PhaseId[]>, phases: PhaseId[]): string {
  const all = Object.entries(workflows);
  let names = all.filter(([, ps]) => phases.every((p) => ps.includes(p))).map(([n]) => n);
  if (!names.length) names = all.filter(([, ps]) => ps.includes(phases[0] as PhaseId)).map(([n]) => n);
  if (!names.length) return `add a workflow that runs the ${phases[0]} phase to offload.yml`;
  return `run ${names.map((n) => `\`offload run ${n}\``).join(' or ')}`;
}

/** What the gates need to know about the project besides its records. */
export interface PhaseGateContext {
  /** Entry points (name -> phases), to name the exact command that satisfies a missing gate. */
  workflows: Record<string, readonly PhaseId[]>;
  /** Phases offload.yml leaves without steps: nothing to do, so nothing to wait for. */
  emptyPhases?: ReadonlySet<PhaseId>;
  /** The history folder with the recorded file lists (refusals name the changed files). */
  stateDir?: string;
}

/** Why `phase` may not start now, or undefined when its gates are satisfied. */
export function checkPhaseGate(
  phase: PhaseId,
  state: PhaseGateState,
  fp: Fingerprint,
  ctx: PhaseGateContext,
): string | undefined {
  const { workflows, stateDir } = ctx;
  const empty = (p: PhaseId) => ctx.emptyPhases?.has(p) ?? false;
  if (AWS_PHASES.includes(phase) && !empty('local')) {
    if (!state.localPasses.some((p) => p.fingerprint === fp.value)) {
      const last = state.localPasses[state.localPasses.length - 1];
      const how = `${suggest(workflows, ['local', phase])}${workflows.local ? ' (or `offload run local` first)' : ''}`;
      return last
        ? `local phase has not passed for this source (fingerprint ${shortFingerprint(fp.value)}; last pass was for ${shortFingerprint(last.fingerprint)}, ${describeChange(fp, last, stateDir)}): ${how}`
        : `local phase has never passed for this project (fingerprint ${shortFingerprint(fp.value)}); AWS phases need a local pass on the same source: ${how}`;
    }
  }
  if (phase === 'aws-deploy' && !state.preparePassed && !empty('aws-prepare')) {
    return `AWS preparation (aws-prepare) has never passed for this project: ${suggest(workflows, ['aws-prepare'])} first`;
  }
  if (phase === 'shutdown') return shutdownGate(state, ctx);
  return undefined;
}

/**
 * Why shutdown may not start: what changes AWS (aws-deploy, else aws-prepare where offload.yml deploys nothing
 * else) has never passed, or AWS testing has not passed since the latest change to AWS, deployment or
 * preparation (infrastructure is deployed too). Nothing to wait for where offload.yml changes nothing in AWS.
 */
function shutdownGate(state: PhaseGateState, ctx: PhaseGateContext): string | undefined {
  const { workflows } = ctx;
  const empty = (p: PhaseId) => ctx.emptyPhases?.has(p) ?? false;
  if (!empty('aws-deploy') && !state.deployPassed) {
    return `no AWS deployment has passed yet; shutting the dev system down needs a deployment followed by AWS testing: ${suggest(workflows, ['aws-deploy', 'aws-test'])}`;
  }
  if (empty('aws-deploy') && !empty('aws-prepare') && !state.preparePassed) {
    return `AWS preparation (aws-prepare) has never passed for this project; shutting the dev system down needs what it deploys, followed by AWS testing: ${suggest(workflows, ['aws-prepare', 'aws-test'])}`;
  }
  const deployed = empty('aws-deploy') ? undefined : (state.deployStarted ?? state.deployPassed);
  const prepared = empty('aws-prepare') ? undefined : (state.prepareStarted ?? state.preparePassed);
  const latest =
    deployed && prepared ? (prepared.seq > deployed.seq ? prepared : deployed) : (deployed ?? prepared);
  if (!latest || empty('aws-test')) return undefined;
  if (state.awsTestPassed && state.awsTestPassed.seq > latest.seq) return undefined;
  return latest === deployed
    ? `AWS testing has not passed since the latest deployment (run ${latest.runId} at ${latest.at}); AWS testing must follow every deployment: ${suggest(workflows, ['aws-test'])}`
    : `AWS testing has not passed since the latest AWS preparation (aws-prepare, run ${latest.runId} at ${latest.at}); AWS testing must follow every change to AWS, infrastructure too: ${suggest(workflows, ['aws-test'])}`;
}

/**
 * The first gate a run of `phases` cannot satisfy by itself, checked before anything runs: the phases are
 * checked in order, assuming each earlier phase of the same run passes on the current fingerprint (so a
 * local phase before AWS phases, or aws-prepare before aws-deploy, counts). Undefined when every gate is
 * satisfied or satisfiable by the run itself.
 */
export function unsatisfiableGate(
  phases: readonly PhaseId[],
  state: PhaseGateState,
  fp: Fingerprint,
  ctx: PhaseGateContext,
): { phase: PhaseId; reason: string } | undefined {
  const sim: PhaseGateState = JSON.parse(JSON.stringify(state)) as PhaseGateState;
  for (const phase of phases) {
    const reason = checkPhaseGate(phase, sim, fp, ctx);
    if (reason) return { phase, reason };
    notePhaseStarted(sim, phase, fp, 'next', 'now');
    notePhasePassed(sim, phase, fp, 'next', 'now');
  }
  return undefined;
}

/**
 * Whether a workflow could start now: its phases are checked in order, assuming each earlier phase of the
 * same workflow passes on the current fingerprint.
 */
export function workflowGate(
  phases: readonly PhaseId[],
  state: PhaseGateState,
  fp: Fingerprint,
  ctx: PhaseGateContext,
): { allowed: boolean; reason?: string } {
  const blocked = unsatisfiableGate(phases, state, fp, ctx);
  return blocked ? { allowed: false, reason: `${blocked.phase}: ${blocked.reason}` } : { allowed: true };
}
