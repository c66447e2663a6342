/**
 * The workflow engine: runs an entry point phase by phase and step by step, checking the gates before each
 * phase, streaming masked output to step logs and listeners without keeping it, persisting every transition
 * to history, and stopping a step's whole process tree on cancel or timeout.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { interpolate, scanExpressions, type InterpolationContext } from '../config/interpolate';
import { secretNames } from '../config/load';
import type { OffloadConfig, StepConfig } from '../config/types';
import type { HistoryStore, RunWriter } from '../history';
import { applyEvent, newRunId, summarize } from '../history';
import type { RunSnapshot, RunSummary, WorkflowAvailability } from '../state';
import { computeFingerprint, type Fingerprint } from './fingerprint';
import {
  checkPhaseGate,
  notePhasePassed,
  notePhaseStarted,
  readGateState,
  suggest,
  unsatisfiableGate,
  workflowGate,
  writeGateState,
} from './gates';
import { Masker, MaskingLineBuffer, MaskingStream } from './mask';
import { parseOutputFile, readOutputState, saveStepOutputs } from './outputs';
import {
  PHASE_TITLES,
  type EngineEvent,
  type PhaseId,
  type ResolvedStep,
  type RunEvent,
  type Status,
  type StepContext,
  type StepKind,
  type StepResult,
  type StepServices,
} from './types';

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
}

/** Lines of the running step's output kept for snapshots. */
const TAIL_LINES = 50;
/** Bytes of the running step's output kept to make those lines from. */
const TAIL_BYTES = 16 * 1024;
/** Longest tail line shown. */
const TAIL_LINE_CHARS = 1000;

/** "10m", "30s", "1.5s", "1h5m": how durations read in reasons. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

type StopWhy = { why: 'cancel' } | { why: 'timeout'; ms: number };

interface ActiveRun {
  runId: string;
  /** The ids of the steps of the phases this run runs (a reference to any other step uses an earlier run's outputs). */
  stepIds: Set<string>;
  abort: AbortController;
  snap: RunSnapshot | null;
  /** The last output bytes of the current step (whole chunks, the oldest possibly more than needed). */
  tail: Buffer[];
  tailBytes: number;
  /** Whether output before the kept tail was dropped (its first line is then partial). */
  tailCut: boolean;
}

/** Runs workflows of one project. One run at a time. */
export class Engine {
  private active: ActiveRun | null = null;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => Date;

  constructor(private readonly o: EngineOptions) {
    this.env = o.env ?? process.env;
    this.now = o.now ?? (() => new Date());
  }

  /** Phases of a workflow that have steps (a phase offload.yml leaves empty is not run). */
  private phasesOf(workflow: string): PhaseId[] | undefined {
    const phases = this.o.config.workflows[workflow];
    return phases?.filter((p) => (this.o.config.phases[p]?.steps.length ?? 0) > 0);
  }

  /** Whether each entry point may start now, evaluated against the current fingerprint. */
  async availability(): Promise<WorkflowAvailability[]> {
    const fp = await this.fingerprint();
    const state = readGateState(this.o.history);
    return Object.entries(this.o.config.workflows).map(([name, all]) => {
      const phases = this.phasesOf(name) ?? [];
      if (!phases.length) {
        return {
          name,
          phases: [...all],
          allowed: false,
          reason: `no steps: offload.yml defines no steps for ${all.join(', ')}`,
        };
      }
      return { name, phases: [...all], ...workflowGate(phases, state, fp, this.o.config.workflows, this.o.history.projectDir) };
    });
  }

  /** The live snapshot of the running (or just finished) run, with the bounded tail of the current step. */
  current(): RunSnapshot | null {
    const a = this.active;
    if (!a?.snap) return null;
    const copy = structuredClone(a.snap);
    copy.tail = tailLines(a);
    return copy;
  }

  /** Every transition (and live output) goes to each listener; returns the unsubscribe function. */
  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels the running run: its running step's process tree is stopped; step, phase and run read cancelled. */
  cancel(): void {
    this.active?.abort.abort({ why: 'cancel' } satisfies StopWhy);
  }

  /** Runs a workflow to its end. Rejects when a run is already active or the workflow is unknown. */
  run(workflow: string, opts: { signal?: AbortSignal } = {}): Promise<RunSummary> {
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
      tail: [],
      tailBytes: 0,
      tailCut: false,
    };
    this.active = active;
    const onOuter = () => this.cancel();
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    if (opts.signal?.aborted) this.cancel();
    return this.execute(active, workflow, phases).finally(() => {
      opts.signal?.removeEventListener('abort', onOuter);
      if (this.active === active) this.active = null;
    });
  }

  private emit(active: ActiveRun, writer: RunWriter | null, e: EngineEvent): void {
    if (e.type !== 'output') {
      writer?.append(e);
      active.snap = applyEvent(active.snap, e);
      if (e.type === 'step' && e.status === 'running' && e.attempt === 1) {
        active.tail = [];
        active.tailBytes = 0;
        active.tailCut = false;
      }
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the run's */
      }
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

  private async execute(active: ActiveRun, workflow: string, phases: PhaseId[]): Promise<RunSummary> {
    const { config, history } = this.o;
    const runId = active.runId;
    const t0 = Date.now();
    const fp = await this.fingerprint();
    const writer = history.startRun(runId);
    const emit = (e: EngineEvent) => this.emit(active, writer, e);

    // Secrets: declared names plus the always-secret AWS credentials, from the environment.
    const baseEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.env)) if (v !== undefined) baseEnv[k] = v;
    const secrets: Record<string, string> = {};
    const masker = new Masker();
    for (const name of secretNames(config)) {
      const v = baseEnv[name];
      if (v !== undefined) {
        secrets[name] = v;
        masker.add(v);
      }
    }
    const ictx: InterpolationContext = {
      env: baseEnv,
      secrets,
      steps: {},
      project: { name: config.name, dir: config.dir },
      run: { id: runId, workflow },
    };

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
      const upfront = unsatisfiableGate(
        phases,
        readGateState(history),
        fp,
        config.workflows,
        history.projectDir,
      );
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
      } else {
        // Top-level env, interpolated once (it may use secrets and the process env).
        try {
          const topEnv = interpolate(config.env, ictx).value as Record<string, string>;
          ictx.env = { ...baseEnv, ...mapStrings(topEnv) };
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
        const gates = readGateState(history);
        const blocked = checkPhaseGate(phase, gates, fp, config.workflows, history.projectDir);
        if (blocked) {
          emit({ type: 'phase', runId, at: this.at(), phase, status: 'blocked', reason: blocked });
          status = 'blocked';
          reason = `${phase} blocked: ${blocked}`;
          break;
        }
        emit({ type: 'phase', runId, at: this.at(), phase, status: 'running' });
        if (phase === 'aws-deploy') {
          notePhaseStarted(gates, phase, fp, runId, this.at());
          writeGateState(history, gates);
        }
        const result = await this.runPhase(active, writer, phase, fp, ictx, masker);
        emit({
          type: 'phase',
          runId,
          at: this.at(),
          phase,
          status: result.status,
          ...(result.reason ? { reason: result.reason } : {}),
        });
        if (result.status === 'passed') {
          const g = readGateState(history);
          notePhasePassed(g, phase, fp, runId, this.at());
          if (phase === 'local') {
            // A build may add untracked files: the source after the local phase passed too.
            const after = await this.fingerprint();
            if (after.value !== fp.value) {
              notePhasePassed(g, phase, after, runId, this.at());
              writeGateState(history, g, after);
            }
          }
          writeGateState(history, g, fp);
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
    emit({
      type: 'run-finished',
      runId,
      at: this.at(),
      status,
      ...(reason ? { reason: masker.mask(reason) } : {}),
      durationMs: Date.now() - t0,
    });
    writer.close();
    try {
      history.prune();
    } catch {
      /* pruning is best effort */
    }
    return summarize(active.snap as RunSnapshot);
  }

  private async runPhase(
    active: ActiveRun,
    writer: RunWriter,
    phase: PhaseId,
    fp: Fingerprint,
    ictx: InterpolationContext,
    masker: Masker,
  ): Promise<{ status: Status; reason?: string }> {
    const softFailures: string[] = [];
    for (const step of this.o.config.phases[phase].steps) {
      if (active.abort.signal.aborted) return { status: 'cancelled', reason: 'cancelled' };
      const r = await this.runStep(active, writer, phase, step, ictx, masker, fp);
      if (r.status === 'passed') continue;
      if (r.status === 'cancelled') return { status: 'cancelled', reason: `step "${step.name}" cancelled` };
      if (step.continueOnError) {
        softFailures.push(step.name);
        continue;
      }
      return { status: 'failed', reason: `step "${step.name}" failed: ${r.reason}` };
    }
    return softFailures.length
      ? { status: 'passed', reason: `passed with continue-on-error failures: ${softFailures.join(', ')}` }
      : { status: 'passed' };
  }

  private async runStep(
    active: ActiveRun,
    writer: RunWriter,
    phase: PhaseId,
    step: StepConfig,
    ictx: InterpolationContext,
    masker: Masker,
    fp: Fingerprint,
  ): Promise<{ status: 'passed' | 'failed' | 'cancelled'; reason?: string }> {
    const runId = active.runId;
    const emit = (e: EngineEvent) => this.emit(active, writer, e);
    const kind = this.o.stepKinds.find((k) => k.key === step.kind);
    const log = writer.openStepLog(phase, step.id);
    const t0 = Date.now();
    const stepEvent = (status: Status, extra: Partial<Extract<RunEvent, { type: 'step' }>> = {}) =>
      emit({ type: 'step', runId, at: this.at(), phase, step: step.id, status, ...extra });
    const info = (text: string) => {
      const line = masker.mask(`[offload] ${text}\n`);
      this.writeOutput(active, log, phase, step.id, 'info', Buffer.from(line, 'utf8'));
    };
    const finish = async (
      status: 'passed' | 'failed' | 'cancelled',
      extra: { reason?: string; summary?: string; outputs?: Record<string, string>; attempt: number },
    ) => {
      await new Promise<void>((resolve) => log.end(resolve));
      const e: Partial<Extract<RunEvent, { type: 'step' }>> = {
        attempt: extra.attempt,
        durationMs: Date.now() - t0,
      };
      if (extra.reason) e.reason = masker.mask(extra.reason);
      if (extra.summary) e.summary = masker.mask(extra.summary);
      if (extra.outputs && Object.keys(extra.outputs).length) e.outputs = masker.maskDeep(extra.outputs);
      stepEvent(status, e);
      return { status, reason: e.reason ?? e.summary };
    };

    const attempts = step.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      stepEvent('running', { attempt });
      if (!kind) return finish('failed', { attempt, reason: `unknown step kind "${step.kind}"` });
      // Interpolate right before running: earlier steps' outputs are known now.
      let resolved: ResolvedStep;
      let stepEnv: Record<string, string>;
      let cwd: string;
      let carriedFrom: string[];
      try {
        const raw = { spec: step.spec, extra: step.extra, env: step.env, cwd: step.cwd };
        const carried = this.carriedOutputs(active, raw, ictx);
        carriedFrom = carried.notes;
        const r = interpolate(raw, { ...ictx, steps: { ...ictx.steps, ...carried.steps } }).value as {
          spec: unknown;
          extra: Record<string, unknown>;
          env: Record<string, unknown>;
          cwd?: string;
        };
        resolved = {
          id: step.id,
          name: step.name,
          kind: step.kind,
          spec: r.spec,
          extra: r.extra,
          timeoutMs: step.timeoutMs,
        };
        stepEnv = mapStrings(r.env);
        cwd = path.resolve(this.o.config.dir, r.cwd ?? '.');
      } catch (err) {
        return finish('failed', { attempt, reason: (err as Error).message });
      }
      if (attempt === 1) {
        try {
          info(`${step.name}: ${(kind as StepKind).describe(resolved)}`);
        } catch {
          /* a describe failure is cosmetic */
        }
        for (const note of carriedFrom) info(note);
      }
      const outcome = await this.attempt(
        active,
        emit,
        log,
        phase,
        step,
        kind as StepKind,
        resolved,
        attempt,
        cwd,
        {
          ...ictx.env,
          ...stepEnv,
        },
        masker,
        info,
        fp,
      );
      if (outcome.status === 'passed') {
        ictx.steps[step.id] = { ...(ictx.steps[step.id] ?? {}), ...outcome.outputs };
        try {
          this.saveOutputs(active, phase, step.id, ictx.steps[step.id] ?? {}, masker, fp);
        } catch (err) {
          info(`could not keep this step's outputs for later runs: ${(err as Error).message}`);
        }
        return finish('passed', { attempt, summary: outcome.summary, outputs: outcome.outputs });
      }
      if (outcome.status === 'cancelled')
        return finish('cancelled', { attempt, reason: 'cancelled', summary: outcome.summary });
      if (attempt < attempts) {
        const delay = step.retryDelayMs * 2 ** (attempt - 1);
        info(
          `attempt ${attempt} of ${attempts} failed: ${outcome.reason}; retrying in ${formatDuration(delay)}`,
        );
        const cancelled = await sleep(delay, active.abort.signal);
        if (cancelled) return finish('cancelled', { attempt, reason: 'cancelled while waiting to retry' });
        continue;
      }
      return finish('failed', {
        attempt,
        reason: attempts > 1 ? `${outcome.reason} (after ${attempts} attempts)` : outcome.reason,
        summary: outcome.summary,
      });
    }
    return finish('failed', { attempt: attempts, reason: 'no attempt ran' });
  }

  /**
   * Outputs of the steps a step refers to that are not part of this run: those of each one's latest passed
   * run, with a note for the step's log. Throws (naming the step and the command that produces it) when such
   * a step never passed, or when a step of this run that it refers to has no outputs yet.
   */
  private carriedOutputs(
    active: ActiveRun,
    raw: unknown,
    ictx: InterpolationContext,
  ): { steps: Record<string, Record<string, string>>; notes: string[] } {
    const refs = new Map<string, string[]>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (!v.includes('${{')) return;
        for (const m of scanExpressions(v)) {
          if (m.ref?.context !== 'steps') continue;
          refs.set(m.ref.step, [...(refs.get(m.ref.step) ?? []), m.ref.key]);
        }
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(raw);
    const steps: Record<string, Record<string, string>> = {};
    const notes: string[] = [];
    let state: ReturnType<typeof readOutputState> | undefined;
    for (const [id, keys] of refs) {
      if (ictx.steps[id]) continue;
      const expr = `\${{ steps.${id}.outputs.${keys[0]} }}`;
      if (active.stepIds.has(id)) {
        throw new Error(
          `${expr}: step '${id}' is part of this run but has not passed in it, so it has no outputs yet`,
        );
      }
      state ??= readOutputState(this.o.history);
      const rec = state.steps[id];
      if (!rec) {
        const phase = (Object.keys(this.o.config.phases) as PhaseId[]).find((p) =>
          this.o.config.phases[p].steps.some((s) => s.id === id),
        );
        const how = phase ? suggest(this.o.config.workflows, [phase]) : 'run a workflow that includes it';
        throw new Error(
          `${expr}: step '${id}'${phase ? ` (${phase})` : ''} has never passed, so it has no outputs to use: ${how} first`,
        );
      }
      const secretKey = keys.find((k) => rec.masked?.includes(k));
      if (secretKey) {
        throw new Error(
          `\${{ steps.${id}.outputs.${secretKey} }}: output '${secretKey}' of step '${id}' (run ${rec.runId}) held a secret, and secrets are not kept across runs; pass it through the environment (\`secrets:\`) instead`,
        );
      }
      steps[id] = rec.outputs;
      notes.push(`using outputs of step '${id}' from run ${rec.runId} (${rec.at})`);
    }
    return { steps, notes };
  }

  /** Keeps a passed step's outputs, masked, in the project's state for later runs that skip its phase. */
  private saveOutputs(
    active: ActiveRun,
    phase: PhaseId,
    stepId: string,
    outputs: Record<string, string>,
    masker: Masker,
    fp: Fingerprint,
  ): void {
    const kept: Record<string, string> = {};
    const masked: string[] = [];
    for (const [k, v] of Object.entries(outputs)) {
      const mk = masker.mask(k);
      const mv = masker.mask(v);
      kept[mk] = mv;
      if (mv !== v || mk !== k) masked.push(mk);
    }
    saveStepOutputs(this.o.history, stepId, {
      runId: active.runId,
      workflow: active.snap?.workflow ?? '',
      phase,
      fingerprint: fp.value,
      at: this.at(),
      outputs: kept,
      ...(masked.length ? { masked } : {}),
    });
  }

  /** Keeps the last TAIL_BYTES of output by reference; lines are only made when a snapshot asks. */
  private pushTail(active: ActiveRun, data: string | Buffer): void {
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length > TAIL_BYTES) {
      // A pipe-sized chunk is kept by reference; a huge one is not kept whole.
      if (buf.length > 4 * TAIL_BYTES) buf = Buffer.from(buf.subarray(buf.length - TAIL_BYTES));
      active.tail = [];
      active.tailBytes = 0;
      active.tailCut = true;
    }
    active.tail.push(buf);
    active.tailBytes += buf.length;
    while (active.tail.length > 1 && active.tailBytes - (active.tail[0] as Buffer).length >= TAIL_BYTES) {
      active.tailBytes -= (active.tail.shift() as Buffer).length;
      active.tailCut = true;
    }
  }

  /** Emits a step's output: to the tail, to listeners (text decoded only if one reads it) and to the log. */
  private writeOutput(
    active: ActiveRun,
    log: fs.WriteStream,
    phase: PhaseId,
    step: string,
    stream: 'stdout' | 'stderr' | 'info',
    data: Buffer,
  ): boolean {
    if (!data.length) return true;
    this.pushTail(active, data);
    if (this.listeners.size) {
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
    return log.write(data);
  }

  private async attempt(
    active: ActiveRun,
    emit: (e: EngineEvent) => void,
    log: fs.WriteStream,
    phase: PhaseId,
    step: StepConfig,
    kind: StepKind,
    resolved: ResolvedStep,
    attempt: number,
    cwd: string,
    env: Record<string, string>,
    masker: Masker,
    info: (t: string) => void,
    fp: Fingerprint,
  ): Promise<{
    status: 'passed' | 'failed' | 'cancelled';
    reason?: string;
    summary?: string;
    outputs: Record<string, string>;
  }> {
    const runId = active.runId;
    const controller = new AbortController();
    const onRunAbort = () => controller.abort(active.abort.signal.reason);
    active.abort.signal.addEventListener('abort', onRunAbort, { once: true });
    if (active.abort.signal.aborted) onRunAbort();
    let timer: NodeJS.Timeout | undefined;
    if (resolved.timeoutMs !== undefined) {
      const ms = resolved.timeoutMs;
      timer = setTimeout(() => controller.abort({ why: 'timeout', ms } satisfies StopWhy), ms);
    }
    const outputFile = path.join(
      os.tmpdir(),
      `offload-out-${runId}-${crypto.randomBytes(4).toString('hex')}`,
    );
    fs.writeFileSync(outputFile, '', { mode: 0o600 });
    const published: Record<string, string> = {};
    const writables: Writable[] = [];

    const write = (stream: 'stdout' | 'stderr' | 'info', data: Buffer) =>
      this.writeOutput(active, log, phase, step.id, stream, data);
    const ctx: StepContext = {
      runId,
      projectDir: this.o.config.dir,
      phase,
      stepId: step.id,
      attempt,
      signal: controller.signal,
      env: {
        ...env,
        OFFLOAD_OUTPUT: outputFile,
        OFFLOAD_RUN_ID: runId,
        OFFLOAD_PHASE: phase,
        OFFLOAD_STEP: step.id,
        OFFLOAD_FINGERPRINT: fp.value,
      },
      cwd,
      log: (text, stream = 'info') => {
        const buf = new MaskingLineBuffer(masker);
        write(stream, Buffer.from(buf.push(text) + buf.flush(), 'utf8'));
      },
      output: (stream) => {
        // Bytes stay bytes: masked without decoding, decoded only for a listener that reads the text.
        const masking = new MaskingStream(masker);
        const w = new Writable({
          highWaterMark: 256 * 1024,
          write: (chunk: Buffer, _enc, cb) => {
            let ok = true;
            for (const part of masking.pushParts(chunk)) ok = write(stream, part) && ok;
            if (ok) cb();
            else log.once('drain', () => cb());
          },
          final: (cb) => {
            write(stream, masking.flush());
            cb();
          },
        });
        writables.push(w);
        return w;
      },
      setOutput: (key, value) => {
        published[key] = value;
      },
      addMask: (value) => masker.add(value),
      record: (k, data) =>
        emit({
          type: 'record',
          runId,
          at: this.at(),
          phase,
          step: step.id,
          kind: k,
          data: masker.maskDeep(data),
        }),
      services: this.o.services ?? {},
    };

    let result: StepResult | undefined;
    let error: string | undefined;
    try {
      const exec = kind.execute(ctx, resolved);
      result = await raceAbort(exec, controller.signal, this.o.abortGraceMs ?? 10_000);
    } catch (err) {
      error = (err as Error).message || String(err);
    } finally {
      clearTimeout(timer);
      active.abort.signal.removeEventListener('abort', onRunAbort);
      for (const w of writables) if (!w.writableEnded) w.end();
    }

    let outputs: Record<string, string> = { ...(result?.outputs ?? {}), ...published };
    try {
      outputs = { ...outputs, ...parseOutputFile(fs.readFileSync(outputFile, 'utf8')) };
    } catch (err) {
      if (!error && result?.status === 'passed') error = (err as Error).message;
    } finally {
      fs.rmSync(outputFile, { force: true });
    }

    const why = controller.signal.aborted ? (controller.signal.reason as StopWhy | undefined) : undefined;
    if (why?.why === 'timeout') {
      const reason = `timed out after ${formatDuration(why.ms)}`;
      info(reason);
      return { status: 'failed', reason, summary: reason, outputs };
    }
    if (why)
      return {
        status: 'cancelled',
        reason: 'cancelled',
        outputs,
        ...(result?.summary ? { summary: result.summary } : {}),
      };
    if (error) {
      info(`failed: ${error}`);
      return { status: 'failed', reason: error, summary: result?.summary, outputs };
    }
    const r = result as StepResult;
    return r.status === 'passed'
      ? { status: 'passed', summary: r.summary, outputs }
      : { status: 'failed', reason: r.summary ?? 'failed', summary: r.summary, outputs };
  }
}

/** The tail's last lines (long ones shortened), decoded from the kept bytes. */
function tailLines(a: ActiveRun): string[] {
  if (!a.tailBytes) return [];
  let buf = a.tail.length === 1 ? (a.tail[0] as Buffer) : Buffer.concat(a.tail);
  let cut = a.tailCut;
  if (buf.length > TAIL_BYTES) {
    buf = buf.subarray(buf.length - TAIL_BYTES);
    cut = true;
  }
  const lines = buf.toString('utf8').split('\n');
  if (cut) lines.shift();
  const partial = lines.pop() ?? '';
  if (partial) lines.push(partial.length > TAIL_LINE_CHARS ? partial.slice(-TAIL_LINE_CHARS) : partial);
  return lines
    .slice(-TAIL_LINES)
    .map((l) => (l.length > TAIL_LINE_CHARS ? l.slice(0, TAIL_LINE_CHARS) + '…' : l));
}

function mapStrings(obj: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** Waits `ms`; resolves true when the signal aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The kind's promise, or — when the signal aborted and the kind does not stop within `graceMs` — a failure. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let t: NodeJS.Timeout | undefined;
    const onAbort = () => {
      t = setTimeout(
        () => reject(new Error(`the step did not stop within ${formatDuration(graceMs)} of being aborted`)),
        graceMs,
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
