/**
 * Trust for tests that exercise what a user does after trusting their project (the prompt and the refusals
 * have their own tests in test/integration/trust-cli.test.ts): the same record `offload trust --yes` writes.
 */
import { openProject } from '../../main/core/project';
import { grantTrust, trustSubject } from '../../main/core/trust';

/** Trusts the project whose offload.yml is found from `dir` (a broken config is left untrusted). */
export function trustProject(dir: string, dataDir: string, configPath?: string): boolean {
  try {
    const p = openProject({ cwd: dir, dataDir, configPath, env: { ...process.env, OFFLOAD_HOME: dataDir } });
    grantTrust(dataDir, trustSubject(p.config));
    return true;
  } catch {
    return false;
  }
}
