/**
 * Regular expressions written by the user (model matchers and exclusions, http body checks), bounded in time.
 * A backtracking engine (JS RegExp) can take exponential time on patterns such as `^(a+)+$` — seconds per
 * process name, every scan. So a pattern is compiled by RE2 (re2js, a pure-JS port), which matches in time
 * linear in the input, whenever RE2 accepts it. RE2 has no lookaround and no backreferences; a pattern that
 * needs them (e.g. an exclusion `^(?!.*my-project)`) runs on JS RegExp only when it is too simple to backtrack
 * badly — no quantified group, at most one unbounded quantifier, at most MAX_FALLBACK_QUANTIFIERS in all —
 * and against at most MAX_FALLBACK_SUBJECT characters: each attempt then costs O(n) and the search O(n²) at
 * worst (~4M steps). Anything else is refused with the reason.
 */
import type { RE2JS } from 're2js';

/** re2js, loaded on the first pattern compiled: a command whose project names no pattern never pays for it. */
const re2 = (): typeof import('re2js') => require('re2js') as typeof import('re2js');

/** A compiled user pattern: its source text and an unanchored test, like RegExp's. */
export interface UserRegex {
  readonly source: string;
  test(text: string): boolean;
}

/** Longer patterns are refused (an RE2 program grows with the pattern; nothing sensible needs more). */
export const MAX_PATTERN_LENGTH = 1000;

/** Why `source` cannot be a user pattern, and the fragment of it that is wrong when known. */
export interface RegexProblem {
  message: string;
  /** The offending part of the pattern (to point at it), when the engine names one. */
  fragment?: string;
}

/** Thrown by compileUserRegex. */
export class UserRegexError extends Error {
  constructor(
    readonly source: string,
    readonly problem: RegexProblem,
  ) {
    super(`invalid regular expression ${JSON.stringify(source)}: ${problem.message}`);
    this.name = 'UserRegexError';
  }
}

function explain(raw: string): RegexProblem & { needsBacktracking?: boolean } {
  // re2js: "error parsing regexp: missing closing ): `(a`"
  const m = /^error parsing regexp: (.*?)(?:: `([\s\S]*)`)?$/.exec(raw);
  const message = m?.[1] ?? raw;
  const fragment = m?.[2] || undefined;
  const needsBacktracking =
    (!!fragment && /^\(\?<?[=!]/.test(fragment)) ||
    (/invalid escape sequence/.test(message) && !!fragment && /^\\([1-9]|k)/.test(fragment));
  return { message, ...(fragment === undefined ? {} : { fragment }), needsBacktracking };
}

/** Quantifiers a lookaround/backreference pattern may have (each multiplies the ways to backtrack). */
export const MAX_FALLBACK_QUANTIFIERS = 3;
/** How much of the text a lookaround/backreference pattern is tested against. */
export const MAX_FALLBACK_SUBJECT = 2048;

/**
 * Why a JS RegExp pattern could backtrack badly, or undefined: a quantifier on a group, more than one unbounded
 * quantifier (`*`, `+`, `{n,}`, or `{n,m}` with a wide range), more than MAX_FALLBACK_QUANTIFIERS in all.
 */
export function backtrackingRisk(source: string): RegexProblem | undefined {
  let unbounded = 0;
  let total = 0;
  let afterGroup: string | undefined; // the text of the group just closed, if the last atom was a group
  const groups: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    let quant: { unbounded: boolean; len: number } | undefined;
    if (ch === '\\') {
      i++;
      afterGroup = undefined;
      continue;
    }
    if (ch === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      afterGroup = undefined;
      continue;
    }
    if (ch === '(') {
      groups.push(i);
      if (source[i + 1] === '?') i++; // (?: (?= (?! (?<name> (?<= (?<!: the ? is not a quantifier
      afterGroup = undefined;
      continue;
    }
    if (ch === ')') {
      const start = groups.pop() ?? 0;
      afterGroup = source.slice(start, i + 1);
      continue;
    }
    if (ch === '*' || ch === '+') quant = { unbounded: true, len: 1 };
    else if (ch === '?') quant = { unbounded: false, len: 1 };
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m) {
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
        quant = { unbounded: hi - lo > 10, len: m[0].length };
      }
    }
    if (!quant) {
      afterGroup = undefined;
      continue;
    }
    if (afterGroup !== undefined)
      return {
        message: `a quantified group (${afterGroup}${source.slice(i, i + quant.len)}) can backtrack exponentially; with lookaround or backreferences only simple patterns are allowed`,
        fragment: afterGroup + source.slice(i, i + quant.len),
      };
    total++;
    if (quant.unbounded) unbounded++;
    i += quant.len - 1;
    if (source[i + 1] === '?') i++; // lazy modifier
    afterGroup = undefined;
  }
  if (unbounded > 1 || total > MAX_FALLBACK_QUANTIFIERS)
    return {
      message: `with lookaround or backreferences a pattern may have at most one unbounded quantifier (*, +, {n,}) and ${MAX_FALLBACK_QUANTIFIERS} quantifiers in all (it has ${unbounded} and ${total}), so it cannot backtrack for long`,
    };
  return undefined;
}

/** Compiles a user pattern or throws UserRegexError. */
export function compileUserRegex(source: string): UserRegex {
  if (source.length > MAX_PATTERN_LENGTH)
    throw new UserRegexError(source, {
      message: `the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`,
    });
  let re: RE2JS;
  try {
    re = re2().RE2JS.compile(source);
  } catch (err) {
    const { needsBacktracking, ...problem } = explain((err as Error).message);
    if (!needsBacktracking) throw new UserRegexError(source, problem);
    // Lookaround or a backreference: JS RegExp, if the pattern is simple enough (see the file comment).
    let js: RegExp;
    try {
      js = new RegExp(source);
    } catch (jsErr) {
      throw new UserRegexError(source, { message: (jsErr as Error).message });
    }
    const risk = backtrackingRisk(source);
    if (risk) throw new UserRegexError(source, risk);
    return {
      source,
      test: (text) =>
        js.test(text.length > MAX_FALLBACK_SUBJECT ? text.slice(0, MAX_FALLBACK_SUBJECT) : text),
    };
  }
  return {
    source,
    test: (text) => re.matcher(text).find(),
  };
}

/** A user pattern's problem in the words validate and the steps both use. */
export function regexProblemText(problem: RegexProblem): string {
  return `invalid regular expression: ${problem.message}${problem.fragment ? ` (at \`${problem.fragment}\`)` : ''}`;
}

/** The problem with a user pattern, or undefined when it compiles. */
export function userRegexProblem(source: string): RegexProblem | undefined {
  try {
    compileUserRegex(source);
    return undefined;
  } catch (err) {
    if (err instanceof UserRegexError) return err.problem;
    throw err;
  }
}
