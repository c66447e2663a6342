/**
 * Ending processes, per platform: POSIX signals to each pid of a tree (children first), Windows
 * `taskkill /T` (which ends the tree itself). Callers decide *which* pids; this module only delivers.
 */
import { execFile } from 'node:child_process';

/** Whether a pid exists (signal 0). EPERM means it exists but is not ours. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks a set of processes (one tree, children listed after parents) to end; `force` kills. */
export async function signalTree(
  pids: number[],
  force: boolean,
  platform: NodeJS.Platform = process.platform,
): Promise<string[]> {
  const done: string[] = [];
  if (platform === 'win32') {
    const root = pids[0];
    if (root === undefined) return done;
    await new Promise<void>((resolve) =>
      execFile(
        'taskkill',
        ['/PID', String(root), '/T', ...(force ? ['/F'] : [])],
        { windowsHide: true },
        () => resolve(),
      ),
    );
    done.push(`taskkill /PID ${root} /T${force ? ' /F' : ''}`);
    return done;
  }
  const sig = force ? 'SIGKILL' : 'SIGTERM';
  // Parent first so a supervisor-like server does not restart children we are about to end.
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
      done.push(`${sig} ${pid}`);
    } catch {
      /* already gone */
    }
  }
  return done;
}
