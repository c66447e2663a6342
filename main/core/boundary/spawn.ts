/**
 * Spawning on behalf of a project, as one place: values reach a shell as data and every process a step starts
 * ends with it.
 *
 * Values as data (GitHub's script-injection hardening, made the only way): each `${{ … }}` in a script is
 * rewritten to a reference of a generated environment variable (`OFFLOAD_EXPR_1`, …) and its value goes in the
 * step's environment, so no output, input or file content can become shell syntax. The reference is one word
 * whatever the value holds:
 *   bash/sh     `"${OFFLOAD_EXPR_1}"` (bare `${…}` inside "…" and unquoted heredocs; `'"${…}"'` inside '…')
 *   pwsh        `"${env:OFFLOAD_EXPR_1}"` (bare inside "…"); refused inside '…' (PowerShell does not expand there)
 *   cmd         `!OFFLOAD_EXPR_1!` with delayed expansion turned on for the script: %VAR% is expanded before
 *               cmd parses the line, so a value holding `&` would run
 *   python and custom shells: refused (their syntax is unknown here): pass the value with `env:` instead.
 * Places where a variable's value would still be read as code are refused with the reason: a quoted heredoc
 * (no expansion there) and `$(( ))` arithmetic (bash evaluates a variable's text as an expression).
 *
 * Processes: `spawnStep` marks the step's processes with a cookie and `end()` sweeps every process holding it
 * (see main/core/platform/step-cookie.ts).
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import {
  hasExpressions,
  interpolate,
  scanExpressions,
  type ExprMatch,
  type InterpolationContext,
} from '../config/interpolate';
import { killTree, spawnMarked } from '../platform/process-tree';
import { sweepCookie } from '../platform/step-cookie';

/** Ends the processes a killed Offload's steps left (call once when Offload starts; the first step also does). */
export { sweepOrphanedSteps } from '../platform/step-cookie';

/** How a shell references an environment variable, by family. */
export type ShellFamily = 'posix' | 'powershell' | 'cmd' | 'other';

/** The prefix of the environment variables that carry `${{ … }}` values into scripts. */
export const EXPR_VAR_PREFIX = 'OFFLOAD_EXPR_';

/** Which family a step's `shell:` belongs to (undefined: the platform's default shell). */
export function shellFamily(
  shell: string | undefined,
  platform: NodeJS.Platform = process.platform,
): ShellFamily {
  const name = shell?.trim();
  if (name === undefined || name === '') return platform === 'win32' ? 'powershell' : 'posix';
  if (name === 'bash' || name === 'sh') return 'posix';
  if (name === 'pwsh' || name === 'powershell') return 'powershell';
  if (name === 'cmd') return 'cmd';
  return 'other';
}

/**
 * Why a script cannot run with this `shell:` as written, whatever the values: the shell itself comes from
 * `\${{ … }}` (it is code, not data), or the script holds `\${{ … }}` for a shell that cannot reference an
 * environment variable. Config loading and the step ask the same question.
 */
export function scriptShellProblem(shell: unknown, script: string): string | undefined {
  if (typeof shell === 'string' && hasExpressions(shell))
    return `shell: ${shell}: the shell cannot come from \${{ … }} (it decides how the script runs, so it is code, not data); name it in offload.yml`;
  try {
    scriptAsData(script, shellFamily(typeof shell === 'string' ? shell : undefined), () => '');
  } catch (err) {
    if (err instanceof ScriptValueError) return err.message;
  }
  return undefined;
}

/** A script with its `${{ … }}` replaced by variable references, and the variables' values. */
export interface ScriptWithValues {
  script: string;
  env: Record<string, string>;
}

/** Thrown when a `${{ … }}` sits where its value could not be passed as data; the message says what to do. */
export class ScriptValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptValueError';
  }
}

/**
 * Rewrites every `${{ … }}` of a script to a reference of an environment variable (one per distinct
 * expression) and evaluates it with `value`. Throws ScriptValueError where a value cannot be data.
 */
export function scriptAsData(
  script: string,
  family: ShellFamily,
  value: (m: ExprMatch) => string,
): ScriptWithValues {
  if (!hasExpressions(script)) return { script, env: {} };
  const matches = scanExpressions(script);
  for (const m of matches) if (!m.ref) throw new Error(`${m.raw}: ${m.error ?? 'bad expression'}`);
  if (family === 'other') {
    throw new ScriptValueError(
      `${matches[0]!.raw} in a script for this shell: Offload passes values to scripts only as environment variables it can reference in bash, sh, pwsh, powershell and cmd; set one under the step's \`env:\` (e.g. VALUE: ${matches[0]!.raw}) and read it from the environment`,
    );
  }
  const env: Record<string, string> = {};
  const names = new Map<string, string>();
  const nameOf = (m: ExprMatch): string => {
    const key = m.raw.slice(3, -2).trim();
    let name = names.get(key);
    if (!name) {
      name = `${EXPR_VAR_PREFIX}${names.size + 1}`;
      names.set(key, name);
      env[name] = value(m);
    }
    return name;
  };
  const at = new Map(matches.map((m) => [m.index, m]));
  const out =
    family === 'posix'
      ? rewritePosix(script, at, nameOf)
      : family === 'powershell'
        ? rewritePowerShell(script, at, nameOf)
        : '@setlocal EnableDelayedExpansion\r\n' + rewriteCmd(script, at, nameOf);
  return { script: out, env };
}

type Ctx = 'top' | 'dq' | 'sq' | 'ansi' | 'sub' | 'bq' | 'brace' | 'arith';

/** A heredoc announced on the current line, read once the line ends. */
interface PendingHeredoc {
  delim: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** A small POSIX shell lexer: just enough to know whether an expression sits in quotes, a heredoc or code. */
function rewritePosix(s: string, at: Map<number, ExprMatch>, nameOf: (m: ExprMatch) => string): string {
  const stack: Ctx[] = ['top'];
  const heredocs: PendingHeredoc[] = [];
  let out = '';
  let i = 0;
  const top = () => stack[stack.length - 1] as Ctx;
  const replace = (m: ExprMatch, c: Ctx): string => {
    const v = `\${${nameOf(m)}}`;
    if (c === 'arith') {
      throw new ScriptValueError(
        `${m.raw} inside $(( )): bash evaluates a variable's text there as an expression (code); assign it to a variable, check it is a number (case $v in *[!0-9]*) exit 1;; esac), then compute`,
      );
    }
    if (c === 'dq') return v;
    if (c === 'sq') return `'"${v}"'`;
    if (c === 'ansi') return `'"${v}"$'`;
    if (c === 'brace') return stack.includes('dq') ? v : `"${v}"`;
    return `"${v}"`;
  };
  while (i < s.length) {
    const m = at.get(i);
    const c = top();
    if (m) {
      out += replace(m, c);
      i += m.raw.length;
      continue;
    }
    const ch = s[i] as string;
    const two = s.slice(i, i + 2);
    if (c === 'sq') {
      if (ch === "'") stack.pop();
      out += ch;
      i++;
      continue;
    }
    if (ch === '\\') {
      out += s.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === 'ansi') {
      if (ch === "'") stack.pop();
      out += ch;
      i++;
      continue;
    }
    const open = opener(s, i);
    if (c === 'dq') {
      if (ch === '"') stack.pop();
      else if (open && open[0] !== 'sq' && open[0] !== 'ansi' && open[0] !== 'dq') stack.push(open[0]);
      const n = open && open[0] !== 'sq' && open[0] !== 'ansi' && open[0] !== 'dq' ? open[1] : 1;
      out += s.slice(i, i + n);
      i += n;
      continue;
    }
    // Code: top level, $( ), ` `, ${ }, $(( )).
    if (ch === '#' && (i === 0 || /[\s;&|()]/.test(s[i - 1] as string))) {
      const nl = s.indexOf('\n', i);
      const end = nl < 0 ? s.length : nl;
      out += rewriteBare(s, i, end, at, (mm) => `"\${${nameOf(mm)}}"`);
      i = end;
      continue;
    }
    if (ch === '`' && c === 'bq') {
      stack.pop();
    } else if (open) {
      stack.push(open[0]);
      out += s.slice(i, i + open[1]);
      i += open[1];
      continue;
    } else if (ch === '(' && (c === 'sub' || c === 'arith')) stack.push(c);
    else if (ch === ')' && (c === 'sub' || c === 'arith')) stack.pop();
    else if (ch === '}' && c === 'brace') stack.pop();
    else if (two === '<<' && s[i + 2] !== '<') {
      const h = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|(\\?)([A-Za-z0-9_.-]+))/.exec(s.slice(i));
      if (h) {
        heredocs.push({
          delim: h[2] ?? h[3] ?? h[5] ?? '',
          quoted: h[2] !== undefined || h[3] !== undefined || h[4] === '\\',
          stripTabs: h[1] === '-',
        });
        out += h[0];
        i += h[0].length;
        continue;
      }
    } else if (ch === '\n' && heredocs.length) {
      out += '\n';
      i++;
      for (const h of heredocs.splice(0)) {
        const r = readHeredoc(s, i, h, at, nameOf);
        out += r.text;
        i = r.end;
      }
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The quoting or substitution that starts at s[i], with its length. */
function opener(s: string, i: number): [Ctx, number] | undefined {
  if (s.startsWith('$((', i)) return ['arith', 3];
  const two = s.slice(i, i + 2);
  if (two === '$(') return ['sub', 2];
  if (two === '${') return ['brace', 2];
  if (two === "$'") return ['ansi', 2];
  const ch = s[i];
  if (ch === "'") return ['sq', 1];
  if (ch === '"') return ['dq', 1];
  if (ch === '`') return ['bq', 1];
  return undefined;
}

/** A heredoc body from `from` to the line after its delimiter; expressions become bare `${VAR}` (unquoted). */
function readHeredoc(
  s: string,
  from: number,
  h: PendingHeredoc,
  at: Map<number, ExprMatch>,
  nameOf: (m: ExprMatch) => string,
): { text: string; end: number } {
  let i = from;
  let text = '';
  while (i < s.length) {
    const nl = s.indexOf('\n', i);
    const lineEnd = nl < 0 ? s.length : nl;
    const line = s.slice(i, lineEnd);
    const next = nl < 0 ? s.length : nl + 1;
    if ((h.stripTabs ? line.replace(/^\t+/, '') : line) === h.delim) {
      return { text: text + s.slice(i, next), end: next };
    }
    text += rewriteBare(s, i, lineEnd, at, (m) => {
      if (h.quoted) {
        throw new ScriptValueError(
          `${m.raw} inside a quoted heredoc (<<'${h.delim}'): nothing expands there, so the value cannot be passed as data; use an unquoted heredoc (<<${h.delim}) or reference a variable set under the step's \`env:\``,
        );
      }
      return `\${${nameOf(m)}}`;
    });
    text += s.slice(lineEnd, next);
    i = next;
  }
  return { text, end: s.length };
}

/** s[from, to) with each expression in it replaced by `ref(m)` and nothing else changed. */
function rewriteBare(
  s: string,
  from: number,
  to: number,
  at: Map<number, ExprMatch>,
  ref: (m: ExprMatch) => string,
): string {
  let out = '';
  let i = from;
  while (i < to) {
    const m = at.get(i);
    if (m) {
      out += ref(m);
      i += m.raw.length;
    } else out += s[i++];
  }
  return out;
}

/** PowerShell: "…" and @"…"@ expand `${env:VAR}`; '…' and @'…'@ do not (refused); ` escapes. */
function rewritePowerShell(s: string, at: Map<number, ExprMatch>, nameOf: (m: ExprMatch) => string): string {
  let out = '';
  let mode: 'top' | 'dq' | 'sq' | 'hdq' | 'hsq' | 'comment' | 'block' = 'top';
  let i = 0;
  while (i < s.length) {
    const m = at.get(i);
    if (m) {
      const v = `\${env:${nameOf(m)}}`;
      if (mode === 'sq' || mode === 'hsq') {
        throw new ScriptValueError(
          `${m.raw} inside a single-quoted PowerShell string: PowerShell does not expand variables there, so the value cannot be passed as data; use double quotes ("…${m.raw}…")`,
        );
      }
      out += mode === 'dq' || mode === 'hdq' ? v : `"${v}"`;
      i += m.raw.length;
      continue;
    }
    const ch = s[i] as string;
    const two = s.slice(i, i + 2);
    let take = 1;
    if (mode === 'top') {
      if (ch === '`') take = 2;
      else if (two === '@"') mode = 'hdq';
      else if (two === "@'") mode = 'hsq';
      else if (two === '<#') mode = 'block';
      else if (ch === '#') mode = 'comment';
      else if (ch === '"') mode = 'dq';
      else if (ch === "'") mode = 'sq';
      if (mode === 'hdq' || mode === 'hsq' || mode === 'block') take = 2;
    } else if (mode === 'dq') {
      if (ch === '`') take = 2;
      else if (two === '""') take = 2;
      else if (ch === '"') mode = 'top';
    } else if (mode === 'sq') {
      if (two === "''") take = 2;
      else if (ch === "'") mode = 'top';
    } else if (mode === 'hdq' || mode === 'hsq') {
      const close = mode === 'hdq' ? '"@' : "'@";
      if (two === close && (i === 0 || s[i - 1] === '\n')) {
        mode = 'top';
        take = 2;
      }
    } else if (mode === 'comment') {
      if (ch === '\n') mode = 'top';
    } else if (two === '#>') {
      mode = 'top';
      take = 2;
    }
    out += s.slice(i, i + take);
    i += take;
  }
  return out;
}

/** cmd: `!VAR!` (delayed expansion, after the line is parsed) everywhere. */
function rewriteCmd(s: string, at: Map<number, ExprMatch>, nameOf: (m: ExprMatch) => string): string {
  return rewriteBare(s, 0, s.length, at, (m) => `!${nameOf(m)}!`);
}

/** A step's process: its child, the cookie every process it starts inherits, and the end of all of them. */
export interface StepProcess {
  child: ChildProcess;
  /** The value of OFFLOAD_STEP_COOKIE in the environment of every process of this step. */
  cookie: string;
  /** Stops the child's tree now (cancel, timeout); `graceMs` before SIGKILL. */
  stop(graceMs: number): Promise<void>;
  /**
   * Ends every process that still holds the step's cookie (daemons, setsid, double fork, nohup), then stops
   * supervising it. Call once the step is over; safe to call twice.
   */
  end(graceMs?: number): Promise<void>;
}

/** Spawns a step's command in its own process group, marked with a fresh cookie and supervised. */
export function spawnStep(command: string, args: readonly string[], opts: SpawnOptions = {}): StepProcess {
  const marked = spawnMarked(command, args, opts);
  let ended: Promise<void> | undefined;
  return {
    child: marked.child,
    cookie: marked.cookie,
    stop: (graceMs) =>
      marked.child.pid === undefined ? Promise.resolve() : killTree(marked.child.pid, { graceMs }),
    end: (graceMs = 2000) =>
      (ended ??= (async () => {
        // Every process of the step holds the cookie (group members too); where environments cannot be read
        // (not Linux), the tree is stopped as well.
        if (marked.child.pid !== undefined && process.platform !== 'linux')
          await killTree(marked.child.pid, { graceMs });
        await sweepCookie(marked.cookie, { graceMs, since: marked.start });
        marked.release();
      })()),
  };
}

/** A step's fields before interpolation, as the engine holds them. */
export interface RawStepFields {
  spec: unknown;
  extra: Record<string, unknown>;
  env?: Record<string, unknown>;
  cwd?: string;
}

/**
 * Interpolates a step's fields for its kind. For a kind whose spec is a script (`scriptShell` given), the
 * script's expressions become environment variables (scriptAsData) added to the step's env, and `shell:` may
 * hold none (it is part of the command). Other fields get their values as text, as before: they are data.
 */
export function interpolateStepFields(
  raw: RawStepFields,
  ctx: InterpolationContext,
  scriptShell?: (extra: Record<string, unknown>) => unknown,
): { spec: unknown; extra: Record<string, unknown>; env: Record<string, unknown>; cwd?: string } {
  if (!scriptShell || typeof raw.spec !== 'string') {
    const r = interpolate(raw, ctx).value as RawStepFields;
    return { ...r, env: r.env ?? {} };
  }
  const shell = scriptShell(raw.extra);
  const problem = scriptShellProblem(shell, raw.spec);
  if (problem) throw new ScriptValueError(problem);
  const rest = interpolate({ extra: raw.extra, env: raw.env, cwd: raw.cwd }, ctx).value as Omit<
    RawStepFields,
    'spec'
  >;
  const data = scriptAsData(raw.spec, shellFamily(typeof shell === 'string' ? shell : undefined), (m) =>
    String(interpolate(m.raw, ctx).value),
  );
  return { spec: data.script, extra: rest.extra, env: { ...(rest.env ?? {}), ...data.env }, cwd: rest.cwd };
}
