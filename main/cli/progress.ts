/**
 * Live progress for `offload run`: on a TTY a redrawn block (phases, the running step, elapsed time, the last
 * lines of output); elsewhere plain, append-only lines that read well in CI logs.
 */
import type { RunSnapshot } from '../core/state';
import type { EngineEvent, PhaseId } from '../core/vocabulary';
import {
  formatDuration,
  paintStatus,
  paintStep,
  reasonText,
  statusIcon,
  stepText,
  type Term,
} from './terminal';

const TAIL_LINES = 5;

/**
 * Renders the block shown on a TTY; pure so it can be tested and reused. The last lines of output show under
 * the running step, and once the run is over under the step it ended on (its phase open), so the last thing
 * a step printed — a line without a newline too — stays on screen.
 */
export function renderRunBlock(run: RunSnapshot, term: Term, now: number, width = 100): string[] {
  const lines: string[] = [];
  const elapsed = now - Date.parse(run.startedAt);
  const over = run.status !== 'running';
  const tailUnder = run.current;
  lines.push(
    term.bold(`offload run ${run.workflow}`) + term.dim(`  ${formatDuration(run.durationMs ?? elapsed)}`),
  );
  for (const phase of run.phases) {
    const head = `${statusIcon(phase.status)} ${phase.title}`;
    const why = phase.reason && phase.status !== 'running' ? term.dim(` — ${reasonText(phase.reason)}`) : '';
    lines.push(paintStatus(term, phase.status, head) + why);
    const open =
      phase.status === 'running' ||
      phase.status === 'failed' ||
      phase.status === 'blocked' ||
      (over && tailUnder?.phase === phase.id && run.tail.length > 0);
    if (!open) continue;
    for (const step of phase.steps) {
      const started = step.startedAt ? Date.parse(step.startedAt) : undefined;
      const dur =
        step.durationMs ?? (step.status === 'running' && started !== undefined ? now - started : undefined);
      const summary = reasonText(step.summary ?? step.reason ?? '');
      lines.push(
        `   ${paintStep(term, step.status, step.name)}` +
          term.dim(`${dur !== undefined ? '  ' + formatDuration(dur) : ''}${summary ? '  ' + summary : ''}`),
      );
      const showTail = over ? tailUnder?.phase === phase.id : step.status === 'running';
      if (showTail && tailUnder?.step === step.id) {
        // What the step printed: its colours at most (a TTY showing colour), never its other escapes.
        const tail = run.tail.slice(-TAIL_LINES).flatMap((t) => stepText(term, t).split('\n'));
        for (const t of tail.slice(-TAIL_LINES)) lines.push(term.dim(`      │ ${t}`));
      }
    }
  }
  return lines.map((l) => truncateVisible(l, width));
}

/** Cuts a line to `width` visible characters, keeping ANSI sequences intact. */
export function truncateVisible(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width - 1) {
      out += '…';
      break;
    }
    out += line[i];
    visible++;
  }
  return out + (out.includes('\x1b[') ? '\x1b[0m' : '');
}

/** Redraws the block in place on a TTY, at most every 100 ms. */
export class LiveProgress {
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly term: Term,
    private readonly snapshot: () => RunSnapshot | null,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  draw(final?: RunSnapshot | null): void {
    const run = final ?? this.snapshot();
    if (!run) return;
    const width = this.term.out.columns || 100;
    const lines = renderRunBlock(run, this.term, Date.now(), width);
    let s = '';
    if (this.drawn > 0) s += `\x1b[${this.drawn}A\x1b[J`;
    s += lines.join('\n') + '\n';
    this.drawn = lines.length;
    this.term.out.write(s);
  }

  /** Stops redrawing; draws the finished run (the engine has no current run once it is done). */
  stop(final?: RunSnapshot | null): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw(final);
  }
}

/** What a CI platform wraps around each step's lines (GitHub's groups, GitLab's sections, annotations). */
export interface StepSections {
  open(phase: PhaseId, step: string, title: string): string[];
  close(phase: PhaseId, step: string): string[];
  failed(phase: PhaseId, step: string, name: string, reason: string): string[];
}

/** Plain lines for logs and CI: one per transition, output lines indented unless quiet. */
export class PlainProgress {
  private names = new Map<string, string>();
  private titles = new Map<PhaseId, string>();
  /** Each step's unfinished last line, printed when its newline comes or the step ends. */
  private partial = new Map<string, string>();

  /** Steps whose section is open (their output goes inside it). */
  private open = new Set<string>();

  constructor(
    private readonly term: Term,
    private readonly quiet: boolean,
    private readonly sections?: StepSections,
  ) {}

  onEvent(e: EngineEvent): void {
    const w = (s: string) => this.term.out.write(s + '\n');
    switch (e.type) {
      case 'run-started':
        for (const p of e.phases) {
          this.titles.set(p.id, p.title);
          for (const s of p.steps) this.names.set(`${p.id}/${s.id}`, s.name);
        }
        w(this.term.bold(`offload run ${e.workflow} — ${e.project.name} (run ${e.runId})`));
        break;
      case 'phase':
        if (e.status === 'pending') break;
        w(
          paintStatus(
            this.term,
            e.status,
            `${statusIcon(e.status)} [${e.phase}] ${this.titles.get(e.phase) ?? e.phase}`,
          ) + (e.reason ? ` — ${reasonText(e.reason)}` : ''),
        );
        break;
      case 'step': {
        if (e.status === 'pending') break;
        const key = `${e.phase}/${e.step}`;
        if (e.status !== 'running') this.flushPartial(key);
        const name = this.names.get(key) ?? e.step;
        if (this.sections && e.status === 'running' && !this.open.has(key)) {
          this.open.add(key);
          for (const l of this.sections.open(
            e.phase,
            e.step,
            `${this.titles.get(e.phase) ?? e.phase} › ${name}`,
          ))
            w(l);
        } else if (this.sections && e.status !== 'running' && this.open.delete(key)) {
          for (const l of this.sections.close(e.phase, e.step)) w(l);
        }
        const extra = [
          e.durationMs !== undefined ? formatDuration(e.durationMs) : '',
          reasonText(e.summary ?? ''),
          // the reason is the summary, or the summary with "(after N attempts)", which `attempt N` says
          e.reason && !(e.summary && e.reason.startsWith(e.summary)) ? reasonText(e.reason) : '',
          e.attempt && e.attempt > 1 ? `attempt ${e.attempt}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        w(`   ${paintStep(this.term, e.status, name)}${extra ? this.term.dim(`  (${extra})`) : ''}`);
        if (this.sections && e.status === 'failed')
          for (const l of this.sections.failed(e.phase, e.step, name, e.reason ?? e.summary ?? 'failed'))
            w(l);
        break;
      }
      case 'output': {
        if (this.quiet) break;
        const key = `${e.phase}/${e.step}`;
        const text = (this.partial.get(key) ?? '') + e.text;
        const parts = text.split('\n');
        this.partial.set(key, parts.pop() ?? '');
        for (const line of parts) this.outputLine(line);
        break;
      }
      case 'run-finished':
        for (const key of [...this.partial.keys()]) this.flushPartial(key);
        for (const key of [...this.open]) {
          const at = key.indexOf('/');
          for (const l of this.sections?.close(key.slice(0, at) as PhaseId, key.slice(at + 1)) ?? []) w(l);
        }
        this.open.clear();
        w(
          paintStatus(this.term, e.status, `${statusIcon(e.status)} run ${e.status}`) +
            ` in ${formatDuration(e.durationMs)}` +
            (e.reason ? ` — ${reasonText(e.reason)}` : ''),
        );
        break;
      default:
        break;
    }
  }

  /** Prints a step's unfinished last line (a step printing JSON without a trailing newline). */
  private flushPartial(key: string): void {
    const rest = this.partial.get(key);
    this.partial.delete(key);
    if (rest && !this.quiet) this.outputLine(rest);
  }

  /** One line the step printed, sanitized; a carriage return that would overwrite it starts a line of its own. */
  private outputLine(line: string): void {
    for (const l of stepText(this.term, line.replace(/\r$/, '')).split('\n'))
      this.term.out.write(this.term.dim('      │ ') + l + '\n');
  }
}
