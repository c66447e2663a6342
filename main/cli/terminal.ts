/** Terminal conventions: colour only on a TTY and never with NO_COLOR; sizes and durations people read. */
import { escapeHiddenInJson, sanitizeForTerminal, visibleText } from '../core/format';
import { isTodoStep, STATUS_ICON, TODO_ICON, type Status } from '../core/vocabulary';
import { stderr, stdout, type OutStream } from './std-streams';

export { formatBytes, formatDuration } from '../core/format';

export interface Term {
  color: boolean;
  tty: boolean;
  out: OutStream;
  err: OutStream;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** https://no-color.org: NO_COLOR set to anything non-empty disables colour; FORCE_COLOR forces it. */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export function makeTerm(opts: {
  env?: NodeJS.ProcessEnv;
  out?: OutStream;
  err?: OutStream;
  colorFlag?: boolean;
}): Term {
  const env = opts.env ?? process.env;
  const out = opts.out ?? stdout();
  const tty = Boolean(out.isTTY) && env.TERM !== 'dumb';
  const color = colorEnabled(env, tty, opts.colorFlag);
  const wrap = (code: number, close: number) => (s: string) =>
    color ? `\x1b[${code}m${s}\x1b[${close}m` : s;
  return {
    color,
    tty,
    out,
    err: opts.err ?? stderr(),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

export function statusIcon(status: Status): string {
  return STATUS_ICON[status];
}

/** A step's icon and name, painted: a TODO step that failed on purpose is to fill in (📝, yellow), not broken. */
export function paintStep(term: Term, status: Status, name: string): string {
  // a step's name is the project's text (and may hold what a step printed): shown, never obeyed
  const shown = visibleText(name, { newlines: false });
  if (status === 'failed' && isTodoStep(name)) return term.yellow(`${TODO_ICON} ${shown}`);
  return paintStatus(term, status, `${statusIcon(status)} ${shown}`);
}

export function paintStatus(term: Term, status: Status, text: string): string {
  if (status === 'passed') return term.green(text);
  if (status === 'failed' || status === 'blocked') return term.red(text);
  if (status === 'running' || status === 'cancelled') return term.yellow(text);
  return term.dim(text);
}

/** Prints a value as pretty JSON for `--json` (nothing in it reaches the terminal as a control character). */
export function printJson(term: Term, value: unknown): void {
  term.out.write(escapeHiddenInJson(JSON.stringify(value, null, 2)) + '\n');
}

/** What a step (or a log line) printed, as this terminal may show it: colours only on a TTY showing colour. */
export function stepText(term: Term, text: string): string {
  return sanitizeForTerminal(text, { keepColour: term.tty && term.color });
}

/** A reason, summary or notice title (it may quote what a step printed) on one line, without escapes. */
export function reasonText(text: string): string {
  return sanitizeForTerminal(text, { keepColour: false }).replace(/\n/g, ' ⏎ ');
}
