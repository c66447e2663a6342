/**
 * Credentials out of command lines: the one function every place that shows or stores a model process's
 * command line uses (models list and --json, window, notices, stop reasons). Values of credential flags
 * (`--api-key X`, `--api-key=X`, `--token`, `--hf-token`, `--password` …), of `*_KEY=` / `*_TOKEN=` /
 * `*_SECRET=` / `*_PASSWORD=` assignments and the password in `scheme://user:password@host` become `***`.
 */

/** What a redacted value reads as. */
export const REDACTED = '***';

/** A flag whose value is a credential: --api-key, --apikey, --token, --hf-token, --auth-token, --password … */
const SECRET_FLAG =
  /^--?[a-z0-9_-]*(api[-_]?key|token|secret|passw(or)?d|credentials?|auth)([-_][a-z0-9_-]*)?$/i;
/** An assignment whose value is a credential: OPENAI_API_KEY=…, HF_TOKEN=…, AWS_SECRET_ACCESS_KEY=… */
const SECRET_ASSIGNMENT =
  /^([A-Za-z_][A-Za-z0-9_]*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)(_[A-Za-z0-9_]*)?)=(.+)$/i;
/** user:password@ in a URL (anywhere in an argument). */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;

function redactOne(arg: string): string {
  let a = arg.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  const eq = a.indexOf('=');
  if (a.startsWith('-') && eq > 0 && SECRET_FLAG.test(a.slice(0, eq))) return `${a.slice(0, eq)}=${REDACTED}`;
  const m = SECRET_ASSIGNMENT.exec(a);
  if (m) a = `${m[1]}=${REDACTED}`;
  return a;
}

/** The arguments with every credential value replaced by `***` (a new array; argv itself is kept). */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(redactOne(a));
    // `--api-key VALUE`: the next argument is the value, unless it is another flag.
    if (!a.includes('=') && SECRET_FLAG.test(a) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      out.push(REDACTED);
      i++;
    }
  }
  return out;
}

/** A command line as shown: arguments joined by spaces, credentials redacted. */
export function redactedCommandLine(argv: readonly string[]): string {
  return redactArgv(argv).join(' ');
}
