/**
 * The network part of the project-effects boundary: every request to a URL or endpoint offload.yml names
 * (gate endpoints, health checks, http and tcp steps, `aws.endpoint`) and every `${{ … }}` filled into one
 * goes through a ProjectEffects that knows whether the user trusts the project. Trusted, it does what the
 * project says. Untrusted, the project is observed only: nothing from the user's environment or secrets is
 * filled into a request or sent, and no project-chosen AWS endpoint ever receives the user's credentials.
 */
import net from 'node:net';
import type { AwsConfig } from '../aws/config';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { interpolate, scanExpressions } from '../config/interpolate';
import type { StepServices } from '../vocabulary';

/** An effect the project's trust does not allow; its message says why and how to allow it, never a value. */
export class EffectRefused extends Error {
  override name = 'EffectRefused';
}

/** What a ProjectEffects is built from. */
export interface EffectsOptions {
  /** Whether the user trusts the project as it is now; a function is asked at each effect (trust may come later). */
  trusted: boolean | (() => boolean);
  /** The user's environment (default process.env): the values an untrusted project never sends anywhere. */
  env?: NodeJS.ProcessEnv;
  /** The project: its name, folder, offload.yml `env:` (its own values) and the secret names it declares. */
  project?: { name: string; dir: string; env: Record<string, string>; secrets?: string[] };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/**
 * fetch() that follows redirects itself so the request's headers (a project's `Bearer ${{ secrets.X }}`, an API
 * key) stay with the origin offload.yml names: fetch drops only Authorization and Cookie on a hop to another
 * origin, and any other header went wherever the answer pointed. The response's `url` is the last hop's.
 */
async function fetchFollowing(url: string | URL, init?: RequestInit): Promise<Response> {
  if (init?.redirect === 'manual' || init?.redirect === 'error') return fetch(url, init);
  const origin = new URL(url).origin;
  let current = new URL(url);
  let opts: RequestInit = { ...init, redirect: 'manual' };
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, opts);
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || location === null) return res;
    await res.body?.cancel();
    if (hop === MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects from ${origin}`);
    const next = new URL(location, current);
    if (next.origin !== origin) opts = { ...opts, headers: undefined };
    const method = (opts.method ?? 'GET').toUpperCase();
    if (
      res.status === 303 ? method !== 'HEAD' : (res.status === 301 || res.status === 302) && method === 'POST'
    )
      opts = { ...opts, method: 'GET', body: undefined };
    current = next;
  }
}

/** The network effects a project can cause, each checked against its trust. */
export interface ProjectEffects {
  /** Whether the project is trusted right now. */
  readonly trusted: boolean;
  /**
   * Fills `${{ … }}` in project text (a URL, a header) for `purpose` ("gate endpoint api"). Untrusted, a
   * reference to the user's environment or to a secret is refused (EffectRefused naming it, never its value);
   * the project's own `env:` values, `project.*` and `run.*` are filled in either way.
   */
  interpolate(text: string, purpose: string): string;
  /**
   * `text` as `interpolate` fills it, for display (`aws status`): every secret and every secret-like variable
   * of the user's environment shows as `***`. Untrusted, or where it cannot be filled, `text` as written.
   */
  shown(text: string): string;
  /** fetch() for a project-named URL. Untrusted, a request carrying a secret of the user's environment is refused. */
  request(url: string | URL, init?: RequestInit): Promise<Response>;
  /** A TCP connection to a project-named host and port. */
  connect(target: { host: string; port: number }): net.Socket;
  /** Why AWS clients for `cfg` may not carry the user's credentials now; undefined when they may. */
  awsRefusal(cfg: Pick<AwsConfig, 'endpoint'>): string | undefined;
  /** The SDK clients for `cfg` with the user's credentials; throws EffectRefused where awsRefusal says why. */
  awsClients(cfg: AwsConfig, env?: NodeJS.ProcessEnv): AwsClients;
}

/** What the gate and every other untrusted AWS use shows when the project names its own AWS endpoint. */
export const UNTRUSTED_AWS_ENDPOINT =
  'aws.endpoint is set by an untrusted project; trust it to use your credentials there';

const SECRET_NAME = /(KEY|SECRET|TOKEN|PASS|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION|COOKIE|PRIVATE)/i;
const MIN_SECRET_CHARS = 8;
/** A URL with a password in it (`postgres://user:pw@db`): a secret whatever its variable is called. */
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;

/**
 * The name of a user secret whose value `text` carries (plain or URL-encoded); undefined when none. A secret is
 * a variable with a secret-like name, one the project declares under `secrets:`, or a URL with a password.
 */
export function carriedSecret(
  text: string,
  env: NodeJS.ProcessEnv,
  declared: readonly string[] = [],
  own: Readonly<Record<string, string>> = {},
): string | undefined {
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_CHARS || own[name] === value) continue;
    if (!isSecretVar(name, value, declared)) continue;
    if (text.includes(value) || text.includes(encodeURIComponent(value))) return name;
  }
  return undefined;
}

const isSecretVar = (name: string, value: string, declared: readonly string[]): boolean =>
  SECRET_NAME.test(name) || declared.includes(name) || URL_WITH_PASSWORD.test(value);

const MASK = '***';

const headerText = (headers: RequestInit['headers']): string => {
  if (!headers) return '';
  const pairs =
    headers instanceof Headers
      ? [...headers.entries()]
      : Array.isArray(headers)
        ? headers
        : Object.entries(headers);
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
};

/** The boundary for one project: its network effects under the trust it has now. */
export function projectEffects(opts: EffectsOptions): ProjectEffects {
  const isTrusted = typeof opts.trusted === 'function' ? opts.trusted : () => opts.trusted as boolean;
  const userEnv = opts.env ?? process.env;
  const project = opts.project ?? { name: '', dir: '', env: {} };
  const own = project.env;
  const trustHint = '(trust it with `offload trust` to use it)';

  const refusalFor = (text: string, purpose: string): string | undefined => {
    if (isTrusted()) return undefined;
    for (const m of scanExpressions(text)) {
      const ref = m.ref;
      if (ref?.context === 'secrets')
        return `${purpose}: ${m.raw} is not filled in: the project is not trusted, so no secret leaves this machine ${trustHint}`;
      if (ref?.context === 'env' && !Object.hasOwn(own, ref.name))
        return `${purpose}: ${m.raw} is not filled in: the project is not trusted, so nothing from your environment leaves this machine ${trustHint}`;
    }
    return undefined;
  };

  /** `text` with its `${{ }}` filled from these values (no step or run context outside a run). */
  const fill = (text: string, env: Record<string, string>, secrets: Record<string, string>): string =>
    String(
      interpolate(text, {
        env,
        secrets,
        steps: {},
        project: { name: project.name, dir: project.dir },
        run: { id: '', workflow: '' },
      }).value,
    );

  const effects: ProjectEffects = {
    get trusted() {
      return isTrusted();
    },
    interpolate(text, purpose) {
      if (!text.includes('${{')) return text;
      const refused = refusalFor(text, purpose);
      if (refused) throw new EffectRefused(refused);
      const vars: Record<string, string> = {};
      if (isTrusted()) for (const [k, v] of Object.entries(userEnv)) if (typeof v === 'string') vars[k] = v;
      Object.assign(vars, own);
      return fill(text, vars, isTrusted() ? vars : {});
    },
    shown(text) {
      if (!text.includes('${{') || !isTrusted()) return text;
      const vars: Record<string, string> = {};
      for (const [k, v] of Object.entries(userEnv))
        if (typeof v === 'string') vars[k] = isSecretVar(k, v, project.secrets ?? []) ? MASK : v;
      Object.assign(vars, own);
      try {
        return fill(text, vars, Object.fromEntries(Object.keys(vars).map((k) => [k, MASK])));
      } catch {
        return text;
      }
    },
    request(url, init) {
      if (!isTrusted()) {
        const href = typeof url === 'string' ? url : url.href;
        const name = carriedSecret(`${href}\n${headerText(init?.headers)}`, userEnv, project.secrets, own);
        if (name !== undefined) {
          let where = href;
          try {
            where = new URL(href).host;
          } catch {
            // not a URL: fetch rejects it below, after this refusal
          }
          return Promise.reject(
            new EffectRefused(
              `a request to ${where} would carry ${name} from your environment; an untrusted project sends none ${trustHint}`,
            ),
          );
        }
      }
      return fetchFollowing(url, init);
    },
    connect(target) {
      return net.connect({ host: target.host, port: target.port });
    },
    awsRefusal(cfg) {
      return cfg.endpoint && !isTrusted() ? UNTRUSTED_AWS_ENDPOINT : undefined;
    },
    awsClients(cfg, env = userEnv) {
      const refused = effects.awsRefusal(cfg);
      if (refused) throw new EffectRefused(refused);
      return createAwsClients(cfg, env);
    },
  };
  return effects;
}

/**
 * The effects a step uses: the ones the composition root handed it, else the trusted set. A step runs only in
 * a trusted project (the core checks trust before any run), so its requests are the project's to make.
 */
export function stepEffects(services: StepServices): ProjectEffects {
  return services.effects ?? (trustedStepEffects ??= projectEffects({ trusted: true }));
}
let trustedStepEffects: ProjectEffects | undefined;

declare module '../vocabulary/step-kind' {
  interface StepServices {
    /** The project's effects under its trust (the boundary); absent: the trusted set, as steps run only trusted. */
    effects?: ProjectEffects;
  }
}
