/** Where the AWS watch and the config switch keep per-project state (cursors, backups, switch state). */
import os from 'node:os';
import path from 'node:path';
import { sha256Hex } from './digest';

/**
 * The project's AWS-state folder: `<dataDir>/projects/<name>-<hash of dir>/aws`. `dataDir` defaults to
 * OFFLOAD_HOME, else ~/.offload (the composition root passes the real app-data folder).
 */
export function projectStateDir(
  project: { name: string; dir: string },
  dataDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const base = dataDir ?? env.OFFLOAD_HOME ?? path.join(os.homedir(), '.offload');
  const slug = project.name.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40) || 'project';
  const hash = sha256Hex(path.resolve(project.dir)).slice(0, 10);
  return path.join(base, 'projects', `${slug}-${hash}`, 'aws');
}
