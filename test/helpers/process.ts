/** Process helpers shared by the tests: is a pid still running, and wait until something holds. */
import fs from 'node:fs';

/** True while a process with this pid exists and is not a zombie (Linux: /proc; elsewhere: signal 0). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids whose command line contains `token` (Linux /proc), zombies left out. */
export function processesWith(token: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || !alive(Number(name))) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ').includes(token))
        out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** Polls `fn` until it returns something truthy; throws after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  fn: () => T | undefined | null | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
