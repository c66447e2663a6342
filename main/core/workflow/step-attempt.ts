/**
 * One attempt of a step: the context its kind runs with (environment, output, outputs file, abort on cancel
 * or timeout), the kind's promise raced against a stop that does not come, and the outcome with its outputs.
 *
 * Output takes one of two ways, decided when the attempt starts:
 * - Nothing to mask (no secret known: none declared with a value, no AWS credentials, no `::add-mask::` seen
 *   earlier in the run): a child's stdout and stderr are the step's log file itself (`ctx.outputFd`), so the
 *   output reaches the disk at the disk's speed. A LogFollower reads it back for the tail and listeners, through
 *   a MaskingStream that still honours `::add-mask::` lines the step prints: their values are masked from then
 *   on in what is shown, in later steps, events and outputs, and the attempt's part of the log is rewritten
 *   masked when it ends. The tradeoff: until then such a value sits in the log file (private app data) as
 *   printed. A value declared up front never does — it takes the second way.
 * - A secret is known: output goes through pipes and a MaskingStream before anything is written, so no known
 *   secret reaches the disk, the tail or a listener.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodeStream, { type Writable } from 'node:stream';
import { installHint, missingCommand } from '../platform/install-hints';
import { formatDuration } from './durations';
import { LogFollower } from './log-follower';
import { MaskingLineBuffer, MaskingStream, MIN_MASK_LENGTH, type Masker } from './mask';
import { parseOutputFile } from './outputs';
import type { StepOutput } from './step-output';
import {
  isTodoStep,
  type PhaseId,
  type ResolvedStep,
  type StepContext,
  type StepKind,
  type StepResult,
  type StepServices,
} from './types';

/** Why an attempt's signal aborted: the run was cancelled, or the step's timeout passed. */
export type StopWhy = { why: 'cancel' } | { why: 'timeout'; ms: number };

/** How quiet a piped stream must be before its unfinished last line is shown anyway. */
const QUIET_MS = 100;

export interface StepAttemptOptions {
  runId: string;
  projectDir: string;
  phase: PhaseId;
  /** The step as its kind sees it: interpolated, common keys parsed. */
  step: ResolvedStep;
  kind: StepKind;
  /** 1 for the first attempt. */
  attempt: number;
  /** Working directory (absolute). */
  cwd: string;
  /** The step's environment (process, config and step env, interpolated); OFFLOAD_* are added here. */
  env: Record<string, string>;
  fingerprint: string;
  /** The run's known secrets; `::add-mask::` values and `ctx.addMask` add to it. */
  masker: Masker;
  output: StepOutput;
  /** The run's signal: aborted on cancel (its reason a StopWhy). */
  runSignal: AbortSignal;
  services: StepServices;
  /** How long the kind gets to stop after its signal aborts before the attempt stops waiting. */
  abortGraceMs: number;
  /** Records structured evidence (already masked) as a run event. */
  record: (kind: string, data: unknown) => void;
  /** Writes an `[offload]` line to the step's log. */
  info: (text: string) => void;
  /** The run's private folder for temporary files (scripts, $OFFLOAD_OUTPUT), removed when the run ends. */
  tempDir: string;
}

/** What one attempt came to. */
export interface AttemptOutcome {
  status: 'passed' | 'failed' | 'cancelled';
  reason?: string;
  summary?: string;
  /** Published, returned and $OFFLOAD_OUTPUT outputs (unmasked: the engine masks what it keeps). */
  outputs: Record<string, string>;
}

/** A child writing the step's log directly, and the follower showing what it writes. */
interface DirectOutput {
  fd: number;
  from: number;
  follower: LogFollower;
  /** Masks what the follower reads before it is shown. */
  masking: MaskingStream;
}

/** One attempt of one step. Run it once. */
export class StepAttempt {
  private readonly controller = new AbortController();
  private readonly outputFile: string;
  private readonly published: Record<string, string> = {};
  private readonly pipes: { w: Writable; quiet: NodeJS.Timeout }[] = [];
  /** Whether a child may write the log directly (decided before the kind runs). */
  private mayWriteDirect = false;
  private direct: DirectOutput | undefined;
  /** Whether a child was given the log file (its lines are shown as the follower reads them back). */
  private usedDirect = false;

  constructor(private readonly o: StepAttemptOptions) {
    // A random part from Node's cached entropy (randomBytes is a call into the system per name).
    this.outputFile = path.join(o.tempDir, `offload-out-${o.runId}-${crypto.randomUUID().slice(0, 8)}`);
  }

  async run(): Promise<AttemptOutcome> {
    const { o, controller } = this;
    const onRunAbort = () => controller.abort(o.runSignal.reason);
    o.runSignal.addEventListener('abort', onRunAbort, { once: true });
    if (o.runSignal.aborted) onRunAbort();
    let timer: NodeJS.Timeout | undefined;
    if (o.step.timeoutMs !== undefined) {
      const ms = o.step.timeoutMs;
      timer = setTimeout(() => controller.abort({ why: 'timeout', ms } satisfies StopWhy), ms);
    }
    fs.writeFileSync(this.outputFile, '', { mode: 0o600 });
    // The child may append to the log itself (the engine's lines so far are in it: written synchronously).
    if (o.masker.size === 0 && o.output.roomForDirect()) this.mayWriteDirect = true;

    let result: StepResult | undefined;
    let error: string | undefined;
    // A refused ::add-mask:: is said in the log; while the child writes the log itself, once it is done
    // (a line appended now would land after what the follower has already shown).
    const refusals: string[] = [];
    const unlisten = o.masker.onRefused((length) => {
      const text = `::add-mask:: refused: the value has ${length} character${length === 1 ? '' : 's'}, fewer than ${MIN_MASK_LENGTH}; masking it would blank that text in every line, so it is NOT masked`;
      if (this.usedDirect) refusals.push(text);
      else o.info(text);
    });
    try {
      const exec = o.kind.execute(this.context(), o.step);
      result = await raceAbort(exec, controller.signal, o.abortGraceMs);
    } catch (err) {
      error = (err as Error).message || String(err);
    } finally {
      clearTimeout(timer);
      o.runSignal.removeEventListener('abort', onRunAbort);
      this.mayWriteDirect = false;
      for (const { w, quiet } of this.pipes) {
        clearTimeout(quiet);
        if (!w.writableEnded) w.end();
      }
      await this.endDirect();
      unlisten();
      for (const text of refusals) o.info(text);
    }

    let outputs: Record<string, string> = { ...(result?.outputs ?? {}), ...this.published };
    try {
      outputs = { ...outputs, ...parseOutputFile(fs.readFileSync(this.outputFile, 'utf8')) };
    } catch (err) {
      if (!error && result?.status === 'passed') error = (err as Error).message;
    } finally {
      try {
        fs.unlinkSync(this.outputFile); // one call (rmSync stats it first); the run's temp folder goes at its end
      } catch {
        /* gone already, or the step made it something else: removed with the run's temp folder */
      }
    }

    // The log could not be written (disk full): that is the failure, not what the step's command made of it.
    const logProblem =
      o.output.logProblem() ??
      (this.usedDirect && (error || result?.status !== 'passed')
        ? o.output.diskFullAfterDirect()
        : undefined);
    if (logProblem) {
      o.info(logProblem);
      const step = error ?? result?.summary;
      const reason = `${logProblem}${step ? ` (the step: ${step})` : ''}`;
      return { status: 'failed', reason, outputs };
    }
    const why = controller.signal.aborted ? (controller.signal.reason as StopWhy | undefined) : undefined;
    if (why?.why === 'timeout') {
      const reason = `timed out after ${formatDuration(why.ms)}`;
      o.info(reason);
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
      o.info(`failed: ${error}`);
      return { status: 'failed', reason: error, summary: result?.summary, outputs };
    }
    const r = result as StepResult;
    if (r.status === 'passed') return { status: 'passed', summary: r.summary, outputs };
    const exited = r.summary !== undefined && /^exit code \d+$/.test(r.summary);
    const summary =
      exited && isTodoStep(o.step.name)
        ? this.todoToFill()
        : exited
          ? this.namingMissing(r.summary!)
          : r.summary;
    return { status: 'failed', reason: summary ?? 'failed', summary, outputs };
  }

  /**
   * A "TODO: …" step that exited non-zero, as it does on purpose until filled in: "TODO step: <what to fill
   * in>", in the words of its last "TODO: …" line (init's placeholders print one), else of its name.
   */
  private todoToFill(): string {
    const said = [...this.o.output.lastLines()].reverse().find((l) => isTodoStep(l));
    const what = (said ?? this.o.step.name).trim().replace(/^TODO:\s*/i, '');
    return `TODO step: ${what}`;
  }

  /** "exit code 127" → "exit code 127: sam is not installed here — install the AWS SAM CLI: …" when the shell said so. */
  private namingMissing(summary: string): string {
    const tool = missingCommand(this.o.output.lastLines());
    if (!tool) return summary;
    const text = `${summary}: \`${tool}\` was not found — ${installHint(tool)}`;
    this.o.info(text);
    return text;
  }

  /** What the kind runs with. */
  private context(): StepContext {
    const { o } = this;
    return {
      runId: o.runId,
      projectDir: o.projectDir,
      tempDir: o.tempDir,
      phase: o.phase,
      stepId: o.step.id,
      attempt: o.attempt,
      signal: this.controller.signal,
      env: {
        ...o.env,
        OFFLOAD_OUTPUT: this.outputFile,
        OFFLOAD_RUN_ID: o.runId,
        OFFLOAD_PHASE: o.phase,
        OFFLOAD_STEP: o.step.id,
        OFFLOAD_FINGERPRINT: o.fingerprint,
      },
      cwd: o.cwd,
      log: (text, stream = 'info') => {
        // Kinds log whole lines (stack events, rollout states…): each ends its line, as the contract says.
        const buf = new MaskingLineBuffer(o.masker);
        const line = text.endsWith('\n') ? text : `${text}\n`;
        o.output.write(stream, Buffer.from(buf.push(line) + buf.flush(), 'utf8'));
      },
      output: (stream) => this.pipe(stream),
      outputFd: () => this.openDirect(),
      setOutput: (key, value) => {
        this.published[key] = value;
      },
      addMask: (value) => o.masker.addDeclared(value),
      record: (kind, data) => o.record(kind, o.masker.maskDeep(data)),
      services: o.services,
    };
  }

  /**
   * A writable for a child's piped stream: bytes stay bytes, masked without decoding (decoded only for a
   * listener that reads the text), whole lines at a time; an unfinished line is shown once the stream has
   * been quiet for QUIET_MS.
   */
  private pipe(stream: 'stdout' | 'stderr'): Writable {
    const { output } = this.o;
    const masking = new MaskingStream(this.o.masker);
    const w: Writable = new nodeStream.Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _enc, cb) => {
        for (const part of masking.pushParts(chunk)) output.write(stream, part);
        quiet.refresh();
        cb();
      },
      final: (cb) => {
        clearTimeout(quiet);
        output.write(stream, masking.flush());
        cb();
      },
    });
    // Only with nothing queued behind the held-back bytes, so that output stays in order.
    const quiet = setTimeout(() => {
      if (!w.writableEnded && w.writableLength === 0) output.write(stream, masking.flushQuiet());
    }, QUIET_MS);
    quiet.unref();
    this.pipes.push({ w, quiet });
    return w;
  }

  /** The log file for a child to write directly, or undefined when its output must be masked first. */
  private openDirect(): number | undefined {
    if (!this.mayWriteDirect || this.o.masker.size > 0) return undefined;
    if (this.direct) return this.direct.fd;
    const { output, masker } = this.o;
    const opened = output.openDirect();
    if (!opened) return undefined;
    const { fd, from } = opened;
    this.usedDirect = true;
    // What the child writes is shown masked: ::add-mask:: lines are learned from it as they are read.
    const masking = new MaskingStream(masker);
    const follower = new LogFollower({
      file: output.file,
      from,
      onData: (data) => {
        // Parts are views of the follower's buffer, or copies the masking made.
        for (const part of masking.pushParts(data)) output.show('stdout', part, true);
      },
      onCaughtUp: () => output.show('stdout', masking.flushQuiet()),
    });
    this.direct = { fd, from, follower, masking };
    return fd;
  }

  /** The child is done: read what is left, and rewrite the log masked if values were declared meanwhile. */
  private async endDirect(): Promise<void> {
    const d = this.direct;
    if (!d) return;
    this.direct = undefined;
    await d.follower.stop();
    this.o.output.show('stdout', d.masking.flush());
    this.o.output.closeDirect();
    // The masker was empty when the child got the file: anything in it now was declared during the attempt.
    if (this.o.masker.size > 0) {
      try {
        this.o.output.remask(d.from, this.o.masker);
      } catch (err) {
        this.o.info(
          `could not mask the values declared with ::add-mask:: in this log: ${(err as Error).message}`,
        );
      }
    }
  }
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
