/**
 * What is installed where `offload init` runs. Init writes only steps that can pass on this machine, so it asks
 * here (an executable on PATH, a short probe such as `docker compose version`); tests inject a fake one.
 * Init runs before the project is trusted, so a probe never runs repository code: it starts in a fresh empty
 * folder (never the project's), and only from absolute PATH entries (a `.` on PATH cannot pick the
 * repository's own `python3` or `go`). Wrappers such as ./gradlew are only named in offload.yml, never run here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, pathWithout } from '../platform/shell';
import { projectTree } from '../boundary/project-paths';

/** The tools `offload init` may rely on. */
export interface Toolchain {
  /** Path of an executable on PATH, or undefined when it is not installed. */
  which(name: string): string | undefined;
  /**
   * Whether `command args…` exits 0 within a few seconds (never needs the network). It runs outside the
   * project, so args must not name project files.
   */
  succeeds(command: string, args: readonly string[]): boolean;
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * The toolchain of this machine, as seen with `env`: its PATH's absolute folders, less those inside the project
 * folder `projectDir` (direnv's PATH_add names them absolutely): init runs before trust, and a probe must not
 * run a program the repository ships.
 */
export function hostToolchain(env: NodeJS.ProcessEnv = process.env, projectDir?: string): Toolchain {
  const pathKey = env.PATH !== undefined || process.platform !== 'win32' ? 'PATH' : 'Path';
  const outside = projectDir === undefined ? undefined : projectTree(projectDir).outside;
  const probeEnv: NodeJS.ProcessEnv = { ...env, [pathKey]: pathWithout(env[pathKey] ?? '', outside) };
  return {
    which: (name) => findExecutable(name, probeEnv),
    succeeds(command, args) {
      const exe = findExecutable(command, probeEnv);
      if (!exe) return false;
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-probe-'));
      try {
        const r = spawnSync(exe, [...args], {
          cwd,
          env: probeEnv,
          stdio: 'ignore',
          timeout: PROBE_TIMEOUT_MS,
        });
        return r.status === 0;
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    },
  };
}
