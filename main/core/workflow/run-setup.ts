/**
 * What a run needs before its first step: the secrets from the environment (and a masker for them), and its
 * private folder for step scripts and output files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { secretNames } from '../config/load';
import { ALWAYS_SECRET } from '../config/schema';
import { interpolate, type InterpolationContext } from '../config/interpolate';
import type { OffloadConfig } from '../config/types';
import { makeDirs } from '../platform/make-dirs';
import { Masker, MIN_MASK_LENGTH } from './mask';

/** Shorter than any real AWS credential (an access key id has 20 characters, a secret 40): a placeholder. */
const MIN_AWS_CREDENTIAL = 12;

/** A run's environment and secrets, with the masker that hides them and the names too short to mask. */
export interface RunSecrets {
  baseEnv: Record<string, string>;
  secrets: Record<string, string>;
  masker: Masker;
  shortSecrets: string[];
}

/** Secrets: declared names plus the always-secret AWS credentials, from the environment. */
export function runSecrets(config: OffloadConfig, env: NodeJS.ProcessEnv): RunSecrets {
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) baseEnv[k] = v;
  const secrets: Record<string, string> = {};
  const masker = new Masker();
  const shortSecrets: string[] = [];
  for (const name of secretNames(config)) {
    const v = baseEnv[name];
    if (v === undefined) continue;
    secrets[name] = v;
    // Real AWS keys are 20 and 40 characters; a shorter value under an AWS credential name is a placeholder
    // (moto's and LocalStack's `test`), and masking it would garble every word containing it ("unit***").
    const placeholder =
      !config.secrets.includes(name) && ALWAYS_SECRET.includes(name) && v.trim().length < MIN_AWS_CREDENTIAL;
    if (placeholder || v.trim().length < MIN_MASK_LENGTH) shortSecrets.push(name);
    else masker.add(v);
  }
  return { baseEnv, secrets, masker, shortSecrets };
}

/**
 * The run's env: the process's with offload.yml's top-level `env:` interpolated once over it (it may use secrets
 * and the process env). A declared secret whose value is written there (validate warns about it) is masked as
 * those from the environment are.
 */
export function runEnv(
  config: OffloadConfig,
  ictx: InterpolationContext,
  baseEnv: Record<string, string>,
  masker: Masker,
): Record<string, string> {
  const env = { ...baseEnv, ...mapStrings(interpolate(config.env, ictx).value as Record<string, string>) };
  for (const name of config.secrets) {
    const v = env[name];
    if (v !== undefined && v.trim().length >= MIN_MASK_LENGTH) masker.add(v);
  }
  return env;
}

/** Values as strings, undefined and null left out (an interpolated env map). */
export function mapStrings(obj: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/**
 * The run's private folder for step scripts and output files (0700 under the run's history folder). Folders
 * that runs which are no longer running left behind (Offload was killed) are removed first.
 */
export function openRunTempDir(runDir: string, running: (runId: string) => boolean): string {
  const runsDir = path.dirname(runDir);
  let runs: string[] = [];
  try {
    runs = fs.readdirSync(runsDir);
  } catch {
    // no runs yet
  }
  for (const id of runs) {
    const leftover = path.join(runsDir, id, 'tmp');
    if (path.join(runsDir, id) === runDir || !fs.existsSync(leftover)) continue;
    if (!running(id)) fs.rmSync(leftover, { recursive: true, force: true });
  }
  const dir = path.join(runDir, 'tmp');
  makeDirs(dir, 0o700);
  return dir;
}
