/**
 * Running a generated CI file's shell lines as the platform would: one bash, stopping at the first failure,
 * with `offload` on PATH as `npm install --global` would put it (the built CLI), and none of the test runner's
 * colour or CI settings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from './cli';

/** A folder with an `offload` command that runs the built CLI. */
export function offloadOnPath(): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bin-'));
  fs.writeFileSync(path.join(bin, 'offload'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

/** Runs CI shell lines in `cwd` as one job step. */
export function runJobLines(lines: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return spawnSync('bash', ['-ec', lines.join('\n')], { cwd, env, encoding: 'utf8', timeout: 20_000 });
}

/** The environment of a CI job: Offload on PATH, the given platform variables, no colour settings. */
export function ciJobEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${offloadOnPath()}:${process.env.PATH}`, ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CODEBUILD_BUILD_ID', 'CI'])
    if (!(k in extra)) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('GIT_')) delete env[k];
  return env;
}

/** The lines that install Offload from the team's package (the tests have it on PATH already). */
export const notInstall = (l: string): boolean => !l.includes('OFFLOAD_PACKAGE');
