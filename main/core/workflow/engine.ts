/**
 * The workflow engine: runs an entry point phase by phase and step by step, checking the gates before each
 * phase, persisting every transition to history, retrying steps, and carrying outputs between steps and runs.
 * One attempt of a step is a StepAttempt (its output, masking and stop on cancel or timeout); where a step's
 * output goes is its StepOutput; the live tail is an OutputTail.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { InterpolationContext } from '../config/interpolate';
import type { OffloadConfig } from '../config/types';
import type { HistoryStore, RunWriter } from '../history';
import { applyEvent, newRunId, summarize } from '../history';
import type { RunSnapshot, RunSummary, WorkflowAvailability } from '../state';
import type { ActiveRun } from './active-run';
import { computeFingerprint, type Fingerprint } from './fingerprint';
import {
  checkPhaseGate,
  type PhaseGateContext,
  notePhasePassed,
  phaseOutcome,
  notePhaseStarted,
  readPhaseGates,
  unsatisfiableGate,
  workflowGate,
  writePhaseGates,
} from './phase-gates';
import type { Masker } from './mask';
import { OutputTail } from './output-tail';
import { keepStepOutputs, type OutputsToKeep } from './outputs';
import { deployedItems, recordDeployment } from '../deployments';
import { runGit } from '../boundary/git';
import { acquireRunLock } from './run-lock';
import { NO_TEAM, type TeamRunFactory } from '../team/team-run';
import { openRunTempDir, runEnv, runSecrets } from './run-setup';
import type { StopWhy } from './step-attempt';
import { writeFailure, type OutputStream } from './step-output';
import { runStep, type StepRunContext } from './step-runner';
import {
  isTodoStep,
  PHASES,
  PHASE_TITLES,
  type EngineEvent,
  type PhaseId,
  type Status,
  type StepKind,
  type StepServices,
} from './types';

export { formatDuration } from './durations';

export interface EngineOptions {
  config: OffloadConfig;
  history: HistoryStore;
  stepKinds: readonly StepKind[];
  services?: StepServices;
  /** Environment steps inherit (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** How long a kind gets to stop after its signal aborts before the engine stops waiting (default 10 s). */
  abortGraceMs?: number;
  /** The team's evidence and deploy lock (main/core/team), where offload.yml has `team:`. */
  team?: TeamRunFactory;
}

/** Runs workflows of one project. One run at a time. */
export class Engine {
  private active: ActiveRun | null = null;
  /** Listeners, each with whether it may read an output event's text after its call returns. */
  private readonly listeners = new Map<(e: EngineEvent) => void, { keepsOutputText: boolean }>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => Date;

  constructor(private readonly o: EngineOptions) {
    this.env = o.env ?? process.env;
    this.now = o.now ?? (() => new Date());
  }

  /** Phases of a workflow that have steps (a phase offload.yml leaves empty is not run). */
  /** What the gates know about this project: its entry points, its empty phases, its history folder. */
  private gateContext(): PhaseGateContext {
    const { config, history } = this.o;
    return {
      workflows: config.workflows,
      emptyPhases: new Set(PHASES.filter((p) => (config.phases[p]?.steps.length ?? 0) === 0)),
      stateDir: history.projectDir,
    };
  }

  private phasesOf(workflow: string): PhaseId[] | undefined {
    const phases = this.o.config.workflows[workflow];
    return phases?.filter((p) => (this.o.config.phases[p]?.steps.length ?? 0) > 0);
  }

  /** Whether each entry point may start now, evaluated against the current fingerprint. */
  /** The fingerprint the last availability check computed (drift compares it with the deployed source). */
  lastFingerprint: Fingerprint | undefined;

  async availability(): Promise<WorkflowAvailability[]> {
    const fp = await this.fingerprint();
    this.lastFingerprint = fp;
    const state = readPhaseGates(this.o.history);
    return Object.entries(this.o.config.workflows).map(([name, all]) => {
      const phases = this.phasesOf(name) ?? [];
      if (!phases.length) {
        return {
          name,
          phases: [...all],
          allowed: false,
          reason: noStepsReason(all),
        };
      }
      return {
        name,
        phases: [...all],
        ...workflowGate(phases, state, fp, this.gateContext()),
      };
    });
  }

  /** The live snapshot of the running (or just finished) run, with the bounded tail of the current step. */
  current(): RunSnapshot | null {
    const a = this.active;
    if (!a?.snap) return null;
    const copy = structuredClone(a.snap);
    copy.tail = a.tail.lines();
    return copy;
  }

  /**
   * Every transition (and live output) goes to each listener; returns the unsubscribe function. A listener
   * that reads an output event's text only during its call, or never (it redraws from snapshots), says so with
   * `outputText: 'during-call'`: output read straight from a log file is then not copied for it.
   */
  subscribe(
    listener: (e: EngineEvent) => void,
    opts: { outputText?: 'kept' | 'during-call' } = {},
  ): () => void {
    this.listeners.set(listener, { keepsOutputText: opts.outputText !== 'during-call' });
    return () => this.listeners.delete(listener);
  }

  /** Cancels the running run: its running step's process tree is stopped; step, phase and run read cancelled. */
  cancel(): void {
    this.active?.abort.abort({ why: 'cancel' } satisfies StopWhy);
  }

  /** Runs a workflow to its end. Rejects when a run is already active or the workflow is unknown. */
  run(workflow: string, opts: { signal?: AbortSignal; waitForLockMs?: number } = {}): Promise<RunSummary> {
    if (this.active)
      return Promise.reject(
        new Error(`a run is already active (${this.active.runId}); wait for it or cancel it`),
      );
    const phases = this.phasesOf(workflow);
    if (!phases) {
      return Promise.reject(
        new Error(
          `unknown workflow "${workflow}"; ${this.o.config.file} defines: ${Object.keys(this.o.config.workflows).join(', ')}`,
        ),
      );
    }
    const active: ActiveRun = {
      runId: newRunId(this.now()),
      stepIds: new Set(phases.flatMap((p) => this.o.config.phases[p].steps.map((s) => s.id))),
      abort: new AbortController(),
      snap: null,
      tail: new OutputTail(),
      records: [],
      waitForLockMs: opts.waitForLockMs,
    };
    this.active = active;
    const onOuter = () => this.cancel();
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    if (opts.signal?.aborted) this.cancel();
    // One run per project across processes: refused (naming the holder) before anything is recorded.
    return acquireRunLock(
      this.o.history.projectDir,
      { runId: active.runId, workflow },
      { waitMs: opts.waitForLockMs, signal: active.abort.signal },
    )
      .then((release) => this.execute(active, workflow, phases).finally(release))
      .finally(() => {
        opts.signal?.removeEventListener('abort', onOuter);
        if (this.active === active) this.active = null;
      });
  }

  private emit(active: ActiveRun, writer: RunWriter | null, e: EngineEvent): void {
    if (e.type === 'record') active.records.push(e);
    if (e.type !== 'output') {
      try {
        writer?.append(e);
      } catch (err) {
        // Disk full: the run goes on in memory (the live view, the summary) and ends saying why.
        active.historyError ??= writeFailure(
          err,
          'the run history',
          path.join(writer?.dir ?? '', 'events.jsonl'),
        );
      }
      active.snap = applyEvent(active.snap, e);
      if (e.type === 'step' && e.status === 'running' && e.attempt === 1) active.tail.clear();
    }
    for (const l of this.listeners.keys()) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the run's */
      }
    }
  }

  /** Records what this run deployed (phase 6 names it in notices and judges its stability). */
  private async noteDeployment(active: ActiveRun, workflow: string, fp: Fingerprint): Promise<void> {
    const head = await runGit(this.o.config.dir, ['rev-parse', '--short', 'HEAD']);
    const records = active.records.filter((r) => r.phase === 'aws-deploy');
    try {
      recordDeployment(this.o.history, {
        runId: active.runId,
        workflow,
        at: this.at(),
        fingerprint: fp.value,
        ...(head.code === 0 ? { commit: head.stdout.toString().trim() } : {}),
        items: deployedItems(records),
      });
    } catch {
      // the identity only makes notices more precise; the run's own history has the evidence
    }
  }

  /** The source fingerprint now (the project's files Offload writes itself left out; stat cache in history). */
  private fingerprint(): Promise<Fingerprint> {
    const { config, history } = this.o;
    return computeFingerprint({
      dir: config.dir,
      configHash: config.hash,
      exclude: config.fingerprintExclude,
      stateDir: history.projectDir,
    });
  }

  private at(): string {
    return this.now().toISOString();
  }

  /** What running a step of this run needs from the run and from this engine. */
  private stepRunContext(
    active: ActiveRun,
    writer: RunWriter,
    ictx: InterpolationContext,
    masker: Masker,
    fp: Fingerprint,
  ): StepRunContext {
    return {
      active,
      writer,
      ictx,
      masker,
      fp,
      config: this.o.config,
      history: this.o.history,
      stepKinds: this.o.stepKinds,
      services: this.o.services,
      abortGraceMs: this.o.abortGraceMs,
      emit: (e) => this.emit(active, writer, e),
      publish: (phase, step, stream, bytes, borrowed) =>
        this.publishOutput(active, phase, step, stream, bytes, borrowed),
      at: () => this.at(),
    };
  }

  private async execute(active: ActiveRun, workflow: string, phases: PhaseId[]): Promise<RunSummary> {
    const { config, history } = this.o;
    const runId = active.runId;
    const t0 = Date.now();
    const fp = await this.fingerprint();
    const writer = history.startRun(runId);
    const tempDir = openRunTempDir(
      writer.dir,
      (id) => history.readRun(id, { tail: false })?.status === 'running',
    );
    active.tempDir = tempDir;
    const emit = (e: EngineEvent) => this.emit(active, writer, e);

    const { baseEnv, secrets, masker, shortSecrets } = runSecrets(config, this.env);
    active.shortSecrets = shortSecrets;
    const ictx: InterpolationContext = {
      env: baseEnv,
      secrets,
      steps: {},
      project: { name: config.name, dir: config.dir },
      run: { id: runId, workflow },
    };
    const ctx = this.stepRunContext(active, writer, ictx, masker, fp);
    const team = this.o.team?.({ ...active, workflow, phases, fingerprint: fp.value }) ?? NO_TEAM;
    const gatesNow = () => team.withTeamPasses(readPhaseGates(history));
    let status: Status = 'passed';
    let reason: string | undefined;
    try {
      emit({
        type: 'run-started',
        runId,
        at: this.at(),
        workflow,
        project: { name: config.name, dir: config.dir, configFile: config.file },
        fingerprint: fp.value,
        phases: phases.map((id) => ({
          id,
          title: config.phases[id].title || PHASE_TITLES[id],
          steps: config.phases[id].steps.map((s) => ({ id: s.id, name: s.name, kind: s.kind })),
        })),
        pid: process.pid,
      });
      // Gates this run cannot satisfy by itself (aws-prepare never passed and not in this run, no AWS test
      // since the last deployment and none in this run…) refuse the run before anything runs.
      const upfront = unsatisfiableGate(phases, await gatesNow(), fp, this.gateContext());
      if (upfront) {
        emit({
          type: 'phase',
          runId,
          at: this.at(),
          phase: upfront.phase,
          status: 'blocked',
          reason: upfront.reason,
        });
        status = 'blocked';
        reason = `${upfront.phase} blocked: ${upfront.reason} (refused before running anything)`;
      } else if (phases.length === 0) {
        // Nothing to run is nothing verified: said as such, never a pass.
        status = 'blocked';
        reason = noStepsReason(config.workflows[workflow] ?? []);
      } else {
        try {
          ictx.env = runEnv(config, ictx, baseEnv, masker);
        } catch (err) {
          throw new Error(`offload.yml env: ${(err as Error).message}`, { cause: err });
        }
      }

      for (const phase of upfront ? [] : phases) {
        if (active.abort.signal.aborted) {
          status = 'cancelled';
          reason = 'cancelled';
          break;
        }
        const gates = await gatesNow();
        const blocked =
          checkPhaseGate(phase, gates, fp, this.gateContext()) ?? (await team.beforePhase(phase));
        if (blocked) {
          emit({ type: 'phase', runId, at: this.at(), phase, status: 'blocked', reason: blocked });
          status = 'blocked';
          reason = `${phase} blocked: ${blocked}`;
          break;
        }
        emit({ type: 'phase', runId, at: this.at(), phase, status: 'running' });
        // what changes AWS counts from its start, passed or not: AWS testing must follow it
        if (phase === 'aws-deploy' || phase === 'aws-prepare') {
          notePhaseStarted(gates, phase, fp, runId, this.at());
          writePhaseGates(history, gates);
        }
        const result = await this.runPhase(ctx, phase);
        emit({
          type: 'phase',
          runId,
          at: this.at(),
          phase,
          status: result.status,
          ...(result.reason ? { reason: result.reason } : {}),
        });
        if (result.status === 'passed') {
          const g = readPhaseGates(history);
          notePhasePassed(g, phase, fp, runId, this.at());
          if (phase === 'aws-deploy') await this.noteDeployment(active, workflow, fp);
          if (phase === 'local') {
            // A build may add untracked files: the source after the local phase passed too.
            const after = await this.fingerprint();
            if (after.value !== fp.value) {
              notePhasePassed(g, phase, after, runId, this.at());
              writePhaseGates(history, g, after);
            }
          }
          writePhaseGates(history, g, fp);
          continue;
        }
        status = result.status;
        reason = `${phase}: ${result.reason ?? result.status}`;
        break;
      }
    } catch (err) {
      status = 'failed';
      reason = (err as Error).message;
    }
    if (active.historyError) {
      status = status === 'passed' ? 'failed' : status;
      reason = reason ? `${reason}; ${active.historyError}` : active.historyError;
    }
    emit({
      type: 'run-finished',
      runId,
      at: this.at(),
      status,
      ...(reason ? { reason: masker.mask(reason) } : {}),
      durationMs: Date.now() - t0,
    });
    await team.finish(active.snap, active.records);
    writer.close();
    fs.rmSync(tempDir, { recursive: true, force: true });
    try {
      history.prune();
    } catch {
      /* pruning is best effort */
    }
    return summarize(active.snap as RunSnapshot);
  }

  private async runPhase(ctx: StepRunContext, phase: PhaseId): Promise<{ status: Status; reason?: string }> {
    const { active, masker } = ctx;
    const softFailures: string[] = [];
    // Passed steps' outputs, kept for later runs once the phase is over (passed or not).
    const toKeep: OutputsToKeep[] = [];
    try {
      for (const step of this.o.config.phases[phase].steps) {
        if (active.abort.signal.aborted) return { status: 'cancelled', reason: 'cancelled' };
        const r = await runStep(ctx, phase, step);
        if (r.kept) toKeep.push(r.kept);
        if (r.status === 'passed') continue;
        if (r.status === 'cancelled') return { status: 'cancelled', reason: `step "${step.name}" cancelled` };
        if (step.continueOnError) {
          softFailures.push(step.name);
          continue;
        }
        const how = isTodoStep(step.name) ? 'is to fill in —' : 'failed:';
        return { status: 'failed', reason: `step "${step.name}" ${how} ${r.reason}` };
      }
      return phaseOutcome(phase, this.o.config.phases[phase].steps.length, softFailures);
    } finally {
      this.keepOutputs(active.runId, toKeep, masker);
    }
  }

  /** Keeps passed steps' outputs for later runs; a failure to is noted in each step's log. */
  private keepOutputs(runId: string, kept: OutputsToKeep[], masker: Masker): void {
    try {
      keepStepOutputs(this.o.history, kept, masker);
    } catch (err) {
      const line = masker.mask(
        `[offload] could not keep this step's outputs for later runs: ${(err as Error).message}\n`,
      );
      for (const { step } of kept) {
        try {
          fs.appendFileSync(this.o.history.stepLogPath(runId, step.phase, step.stepId), line);
        } catch {
          /* the log is gone too: nothing more to say where */
        }
      }
    }
  }

  /**
   * Hands a step's output to listeners: text decoded only if one reads it. Borrowed bytes (a view of a buffer
   * about to be reused) are copied first when a listener may read the text later.
   */
  private publishOutput(
    active: ActiveRun,
    phase: PhaseId,
    step: string,
    stream: OutputStream,
    bytes: Buffer,
    borrowed: boolean,
  ): void {
    if (!this.listeners.size) return;
    let data = bytes;
    if (borrowed && [...this.listeners.values()].some((l) => l.keepsOutputText)) data = Buffer.from(bytes);
    const e = { type: 'output', runId: active.runId, phase, step, stream } as Extract<
      EngineEvent,
      { type: 'output' }
    >;
    let text: string | undefined;
    Object.defineProperty(e, 'text', {
      enumerable: true,
      configurable: true,
      get: () => (text ??= data.toString('utf8')),
      set: (v: string) => {
        text = v;
      },
    });
    this.emit(active, null, e);
  }
}

/** Why a workflow whose phases have no steps neither runs nor passes (status, run and the rule say the same). */
export function noStepsReason(phases: readonly string[]): string {
  return `no steps: offload.yml defines no steps for ${phases.join(', ')} — nothing to run or verify`;
}

/** Whether running workflow `name` would run any step (a workflow of empty phases verifies nothing). */
export function workflowHasSteps(config: Pick<OffloadConfig, 'workflows' | 'phases'>, name: string): boolean {
  return (config.workflows[name] ?? []).some((p) => (config.phases[p]?.steps.length ?? 0) > 0);
}
