/**
 * Project trust. offload.yml is code: its steps run, `switch.local-models.start` starts programs, `switch.files`
 * rewrites files, `models.matchers` decide which processes may be stopped, and `gate.policy: auto` does all of
 * it without a click. None of that happens until the user has trusted the project, and trusts it again when
 * any of those parts changes: trust is bound to a hash of exactly them, kept in the user's data folder (never
 * in the project). Untrusted, a project opens read-only: status, history, models.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE, writeFileAtomic } from '../platform/atomic-file';
import type { OffloadConfig } from '../vocabulary';

/** What a project would do with the user's rights, and the hash trust is bound to. */
export interface TrustSubject {
  /** The project folder (real path). */
  dir: string;
  configFile: string;
  digest: string;
  /** One line per thing it would run, write or stop, in the order a user reads offload.yml. */
  actions: string[];
}

export type TrustStatus =
  { trusted: true } | { trusted: false; reason: 'never' | 'changed'; trustedAt?: string };

const STORE = 'trust.json';

interface TrustFile {
  version: 1;
  projects: Record<string, { digest: string; at: string; configFile: string }>;
}

/** Stable JSON: keys sorted, so a reordering of the same content keeps the hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const section = (config: OffloadConfig, name: string): Record<string, unknown> => {
  const s = config.sections[name];
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
};

const short = (v: unknown): string => {
  const text = typeof v === 'string' ? v : canonical(v);
  const one = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return one.length > 160 ? `${one.slice(0, 159)}…` : one;
};

/** The parts of a config that run, write or stop something, their hash, and a readable list of them. */
export function trustSubject(config: OffloadConfig): TrustSubject {
  const sw = section(config, 'switch');
  const models = section(config, 'models');
  const gate = section(config, 'gate');
  const notify = section(config, 'notify');
  const logCommands = (
    Array.isArray(notify['local-logs']) ? (notify['local-logs'] as { command?: unknown }[]) : []
  )
    .map((l) => l.command)
    .filter((c): c is string => typeof c === 'string');
  const steps = Object.values(config.phases).flatMap((p) =>
    p.steps.map((s) => ({ phase: p.id, kind: s.kind, spec: s.spec, extra: s.extra, env: s.env, cwd: s.cwd })),
  );
  const parts = {
    steps,
    env: config.env,
    workflows: config.workflows,
    switch: sw,
    matchers: models.matchers ?? [],
    policy: gate.policy ?? 'ask',
    logCommands,
  };
  const digest = crypto.createHash('sha256').update(canonical(parts)).digest('hex');

  const actions: string[] = [];
  for (const p of Object.values(config.phases))
    for (const s of p.steps) actions.push(`${p.id} › ${s.name}: ${s.kind} ${short(s.spec)}`);
  const files = Array.isArray(sw.files) ? (sw.files as { path?: unknown; keys?: unknown }[]) : [];
  for (const f of files) {
    const keys = f.keys && typeof f.keys === 'object' ? Object.keys(f.keys) : [];
    actions.push(`switch: writes ${keys.join(', ')} in ${String(f.path)}`);
  }
  const lm = sw['local-models'] as { start?: unknown } | undefined;
  if (lm?.start) actions.push(`switch local: starts \`${short(lm.start)}\``);
  const matchers = Array.isArray(models.matchers) ? models.matchers : [];
  for (const m of matchers)
    actions.push(`models: treats processes matching ${short(m)} as model servers it may stop`);
  for (const c of logCommands) actions.push(`notify.local-logs: runs \`${short(c)}\` and reads its output`);
  if (gate.policy === 'auto')
    actions.push(
      'gate.policy auto: when AWS is ready, stops local model servers, switches the config and runs shutdown by itself',
    );

  let dir = config.dir;
  try {
    dir = fs.realpathSync(config.dir);
  } catch {
    // keep the configured path
  }
  return { dir, configFile: config.file, digest, actions };
}

function readStore(dataDir: string): TrustFile {
  try {
    const t = JSON.parse(fs.readFileSync(path.join(dataDir, STORE), 'utf8')) as TrustFile;
    if (t?.version === 1 && t.projects && typeof t.projects === 'object') return t;
  } catch {
    // none yet, or unreadable: nothing is trusted
  }
  return { version: 1, projects: {} };
}

/** Whether the user trusts this project as it is now. */
export function trustStatus(dataDir: string, subject: TrustSubject): TrustStatus {
  const entry = readStore(dataDir).projects[subject.dir];
  if (!entry) return { trusted: false, reason: 'never' };
  if (entry.digest !== subject.digest) return { trusted: false, reason: 'changed', trustedAt: entry.at };
  return { trusted: true };
}

/** Records that the user trusts this project as it is now (a private file in the data folder). */
export function grantTrust(dataDir: string, subject: TrustSubject, now = new Date()): void {
  const store = readStore(dataDir);
  store.projects[subject.dir] = {
    digest: subject.digest,
    at: now.toISOString(),
    configFile: subject.configFile,
  };
  writeFileAtomic(path.join(dataDir, STORE), JSON.stringify(store, null, 2) + '\n', PRIVATE_FILE);
}

/** Thrown when something would run, write or stop for a project the user has not trusted (as it is now). */
export class UntrustedProject extends Error {
  override name = 'UntrustedProject';
  constructor(
    readonly subject: TrustSubject,
    readonly status: Exclude<TrustStatus, { trusted: true }>,
  ) {
    super(
      `${subject.dir} is not trusted${status.reason === 'changed' ? ' since its offload.yml changed what it runs' : ' yet'}: offload.yml runs commands with your rights. Review them with \`offload trust\`, then trust it (\`offload trust --yes\` in scripts)`,
    );
  }
}
