/**
 * A lean, per-platform reader of the process table: what the machine watch needs every few seconds
 * (pid, parent, command line, owner, CPU time, RSS) and, for model servers only, listening ports and
 * supervisor hints. One implementation per platform behind this interface; the rest of the core never
 * checks process.platform. See issue 3 "Known traps": si.processes() spawns one `cat` per PID.
 */
import { createLinuxProcessReader } from './proc-linux';
import { createDarwinProcessReader } from './proc-darwin';
import { createWin32ProcessReader } from './proc-win32';
import type { ProcessReader } from './proc-info';

export { splitCommandLine, type ProcInfo, type ProcessReader, type SupervisorHints } from './proc-info';

/** The reader for this platform (injectable `platform` for tests of the selection only). */
export function createProcessReader(platform: NodeJS.Platform = process.platform): ProcessReader {
  if (platform === 'linux' || platform === 'android') return createLinuxProcessReader();
  if (platform === 'darwin') return createDarwinProcessReader();
  if (platform === 'win32') return createWin32ProcessReader();
  return createDarwinProcessReader(); // BSDs have a compatible `ps`.
}
