/**
 * One step of a run: interpolated right before each attempt (earlier steps' outputs are known then), run
 * attempt by attempt with retries and a backoff, and its outcome recorded as the step's events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { interpolateStepFields } from '../boundary/spawn';
import { visibleText } from '../boundary/text';
import type { InterpolationContext } from '../config/interpolate';
import type { OffloadConfig, StepConfig } from '../config/types';
import type { HistoryStore, RunWriter } from '../history';
import type { ActiveRun } from './active-run';
import { formatDuration } from './durations';
import type { Fingerprint } from './fingerprint';
import { type Masker, MIN_MASK_LENGTH } from './mask';
import { carriedOutputs, type OutputsToKeep } from './outputs';
import { mapStrings } from './run-setup';
import { StepAttempt } from './step-attempt';
import { StepOutput, type OutputStream } from './step-output';
import {
  kindPhaseProblem,
  type EngineEvent,
  type PhaseId,
  type ResolvedStep,
  type RunEvent,
  type Status,
  type StepKind,
  type StepServices,
} from './types';

/** What running a step needs from its run and its engine. */
export interface StepRunContext {
  active: ActiveRun;
  writer: RunWriter;
  ictx: InterpolationContext;
  masker: Masker;
  fp: Fingerprint;
  config: OffloadConfig;
  history: HistoryStore;
  stepKinds: readonly StepKind[];
  services: StepServices | undefined;
  abortGraceMs: number | undefined;
  /** Records an event of this run (history, snapshot, listeners). */
  emit: (e: EngineEvent) => void;
  /** Hands a step's live output to the listeners. */
  publish: (phase: PhaseId, step: string, stream: OutputStream, bytes: Buffer, borrowed: boolean) => void;
  at: () => string;
}

/** How a step ended, with its outputs to keep for later runs when it passed. */
export interface StepResult {
  status: 'passed' | 'failed' | 'cancelled';
  reason?: string;
  kept?: OutputsToKeep;
}

interface PreparedStep {
  resolved: ResolvedStep;
  stepEnv: Record<string, string>;
  cwd: string;
  carriedFrom: string[];
}

/** The step with its `${{ … }}` filled in and its working directory checked, or why it cannot run. */
function prepareStep(
  ctx: StepRunContext,
  step: StepConfig,
  kind: StepKind,
): PreparedStep | { reason: string } {
  const { ictx, active, config } = ctx;
  let prepared: PreparedStep;
  try {
    const raw = { spec: step.spec, extra: step.extra, env: step.env, cwd: step.cwd };
    const carried = carriedOutputs({
      raw,
      passed: ictx.steps,
      stepsOfThisRun: active.stepIds,
      storage: ctx.history,
      fingerprint: ctx.fp.value,
      phases: config.phases,
      workflows: config.workflows,
    });
    // A script's `${{ … }}` reach its shell as environment variables, never as text.
    const r = interpolateStepFields(
      raw,
      { ...ictx, steps: { ...ictx.steps, ...carried.steps }, stepKinds: stepKindsOf(config.phases) },
      kind.scriptShell?.bind(kind),
    );
    prepared = {
      resolved: {
        id: step.id,
        name: step.name,
        kind: step.kind,
        spec: r.spec,
        extra: r.extra,
        timeoutMs: step.timeoutMs,
      },
      stepEnv: mapStrings(r.env),
      cwd: path.resolve(config.dir, r.cwd ?? '.'),
      carriedFrom: carried.notes,
    };
  } catch (err) {
    return { reason: (err as Error).message };
  }
  const cwd = prepared.cwd;
  if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    // Named as such, not as the shell's "spawn /usr/bin/bash ENOENT".
    return {
      reason: `working directory ${step.cwd ?? '.'} does not exist (${cwd}); fix the step's cwd or create it in an earlier step`,
    };
  }
  return prepared;
}

/** Runs one step to its end: every attempt it gets, its log, and its step events. */
export async function runStep(ctx: StepRunContext, phase: PhaseId, step: StepConfig): Promise<StepResult> {
  const { active, writer, ictx, masker, fp, emit } = ctx;
  const runId = active.runId;
  const kind = ctx.stepKinds.find((k) => k.key === step.kind);
  const output = new StepOutput({
    log: writer.stepLog(phase, step.id),
    tail: active.tail,
    publish: (stream, data, borrowed) => ctx.publish(phase, step.id, stream, data, borrowed),
  });
  const t0 = Date.now();
  const stepEvent = (status: Status, extra: Partial<Extract<RunEvent, { type: 'step' }>> = {}) =>
    emit({ type: 'step', runId, at: ctx.at(), phase, step: step.id, status, ...extra });
  // Offload's own marker is never masked; what follows it may quote the project or the step, shown as the trust
  // review shows it: a colour sequence there (ESC[8m hides text) is the project's, not a step's output
  const info = (text: string) => {
    output.write('info', Buffer.from(`[offload] ${visibleText(masker.mask(text))}\n`, 'utf8'));
  };
  const finish = async (
    status: 'passed' | 'failed' | 'cancelled',
    extra: { reason?: string; summary?: string; outputs?: Record<string, string>; attempt: number },
  ) => {
    output.end();
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
    // The load refuses a kind outside its phases; a config built another way is refused here, before it acts.
    const misplaced = kindPhaseProblem(kind, phase);
    if (misplaced) return finish('failed', { attempt, reason: misplaced });
    // Interpolate right before running: earlier steps' outputs are known now.
    const prepared = prepareStep(ctx, step, kind);
    if ('reason' in prepared) return finish('failed', { attempt, reason: prepared.reason });
    const { resolved, stepEnv, cwd, carriedFrom } = prepared;
    if (attempt === 1) {
      if (active.shortSecrets?.length) {
        info(
          `not masked: ${active.shortSecrets.join(', ')} (shorter than any real credential: a placeholder such as moto's \`test\`; values under ${MIN_MASK_LENGTH} characters are never masked)`,
        );
        active.shortSecrets = undefined;
      }
      try {
        info(`${step.name}: ${kind.describe(resolved)}`);
      } catch {
        /* a describe failure is cosmetic */
      }
      for (const note of carriedFrom) info(note);
    }
    const outcome = await new StepAttempt({
      runId,
      projectDir: ctx.config.dir,
      phase,
      step: resolved,
      kind,
      attempt,
      cwd,
      env: { ...ictx.env, ...stepEnv },
      fingerprint: fp.value,
      masker,
      output,
      runSignal: active.abort.signal,
      services: ctx.services ?? {},
      abortGraceMs: ctx.abortGraceMs ?? 10_000,
      record: (k, data) => emit({ type: 'record', runId, at: ctx.at(), phase, step: step.id, kind: k, data }),
      info,
      tempDir: active.tempDir ?? os.tmpdir(),
    }).run();
    if (outcome.status === 'passed') {
      ictx.steps[step.id] = { ...(ictx.steps[step.id] ?? {}), ...outcome.outputs };
      const kept: OutputsToKeep = {
        step: {
          stepId: step.id,
          runId,
          workflow: active.snap?.workflow ?? '',
          phase,
          fingerprint: fp.value,
          at: ctx.at(),
        },
        outputs: ictx.steps[step.id] ?? {},
      };
      return {
        ...(await finish('passed', { attempt, summary: outcome.summary, outputs: outcome.outputs })),
        kept,
      };
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

/** Each step's kind by id (for the hint when a `${{ steps.<id>.outputs.<key> }}` is missing). */
const stepKindsOf = (phases: Partial<Record<string, { steps: readonly { id: string; kind: string }[] }>>) =>
  Object.fromEntries(Object.values(phases).flatMap((p) => (p?.steps ?? []).map((s) => [s.id, s.kind])));
