/**
 * What the Linux reader remembers between scans, and when it must read /proc again: a process's stat is
 * re-read while it is young (a wrapper may still exec a server) or on a full sweep; a socket's "not
 * listening" answer expires (it may have been between bind() and listen()). Pure, with its unit test beside.
 */
import { CLK_TCK } from './proc-linux-parse';

/** A process younger than this has its stat re-read every scan (a wrapper may still exec a server). */
export const YOUNG_SECS = 30;
/** Every this many scans, every PID's stat is read again (a late exec, a re-parented process). */
export const FULL_SWEEP_EVERY = 12;
/** How long "this socket does not listen" is believed. */
export const NOT_LISTENING_TTL_MS = 60_000;

/** Whether a scan may reuse the last reading of a known process instead of reading its stat again. */
export function reuseReading(
  known: { start: number; hasReading: boolean } | undefined,
  fullSweep: boolean,
  uptimeTicks: number,
): boolean {
  return !!known?.hasReading && !fullSweep && uptimeTicks - known.start > YOUNG_SECS * CLK_TCK;
}

/** Socket inode -> listening port (0: not listening), learnt from the socket tables. */
export class SocketPortCache {
  private readonly ports = new Map<number, { port: number; at: number }>();

  /** Whether any of these inodes is unknown (or its "not listening" answer expired): the tables must be read. */
  needsTables(inodes: Iterable<number>, now: number): boolean {
    for (const inode of inodes) {
      const known = this.ports.get(inode);
      if (!known || (known.port === 0 && now - known.at > NOT_LISTENING_TTL_MS)) return true;
    }
    return false;
  }

  /** Records what the socket tables (inode -> port) say about these inodes. */
  learn(inodes: Iterable<number>, table: ReadonlyMap<number, number>, now: number): void {
    for (const inode of inodes) this.ports.set(inode, { port: table.get(inode) ?? 0, at: now });
  }

  /** Each process's listening ports (sorted; processes with none left out); inodes no one holds are forgotten. */
  portsOf(socketsOf: ReadonlyMap<number, readonly number[]>): Map<number, number[]> {
    const result = new Map<number, number[]>();
    const live = new Set<number>();
    for (const [pid, socks] of socketsOf) {
      const ports = new Set<number>();
      for (const inode of socks) {
        live.add(inode);
        const port = this.ports.get(inode)?.port;
        if (port) ports.add(port);
      }
      if (ports.size)
        result.set(
          pid,
          [...ports].sort((a, b) => a - b),
        );
    }
    for (const inode of this.ports.keys()) if (!live.has(inode)) this.ports.delete(inode);
    return result;
  }
}
