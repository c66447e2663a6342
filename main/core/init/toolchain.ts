/**
 * What is installed where `offload init` runs. Init writes only steps that can pass on this machine, so it asks
 * here (an executable on PATH, a short probe such as `docker compose version`); tests inject a fake one.
 */
import { spawnSync } from 'node:child_process';
import { findExecutable } from '../platform/shell';

/** The tools `offload init` may rely on. */
export interface Toolchain {
  /** Path of an executable on PATH, or undefined when it is not installed. */
  which(name: string): string | undefined;
  /** Whether `command args…` exits 0 within a few seconds (never needs the network). */
  succeeds(command: string, args: readonly string[]): boolean;
}

const PROBE_TIMEOUT_MS = 10_000;

/** The toolchain of this machine, as seen with `env` (its PATH). */
export function hostToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  return {
    which: (name) => findExecutable(name, env),
    succeeds(command, args) {
      const exe = findExecutable(command, env);
      if (!exe) return false;
      const r = spawnSync(exe, [...args], { env, stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
      return r.status === 0;
    },
  };
}
