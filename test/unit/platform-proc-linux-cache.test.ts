import { describe, expect, it } from 'vitest';
import {
  FULL_SWEEP_EVERY,
  NOT_LISTENING_TTL_MS,
  reuseReading,
  SocketPortCache,
  YOUNG_SECS,
} from '../../main/core/platform/proc-linux-cache';
import {
  CLK_TCK,
  nearestPageSize,
  parseProcStat,
  parsePasswd,
  socketInode,
} from '../../main/core/platform/proc-linux-parse';

describe('Linux reader: when /proc is read again', () => {
  const old = { start: 1000, hasReading: true };
  const uptime = 1000 + (YOUNG_SECS + 1) * CLK_TCK;

  it('reuses an old process reading between full sweeps, never a young one, a new one, or on a sweep', () => {
    expect(reuseReading(old, false, uptime)).toBe(true);
    expect(reuseReading(old, true, uptime)).toBe(false);
    expect(reuseReading({ start: uptime - 10 * CLK_TCK, hasReading: true }, false, uptime)).toBe(false);
    expect(reuseReading(undefined, false, uptime)).toBe(false);
    expect(reuseReading({ start: 1000, hasReading: false }, false, uptime)).toBe(false);
    // No /proc/uptime: every process counts as old (Infinity).
    expect(reuseReading(old, false, Infinity)).toBe(true);
    expect(FULL_SWEEP_EVERY).toBeGreaterThan(1);
  });

  it('reads the socket tables for an unknown inode, or a "not listening" answer past its age', () => {
    const c = new SocketPortCache();
    expect(c.needsTables([10], 0)).toBe(true);
    c.learn([10, 11], new Map([[10, 11434]]), 0);
    expect(c.needsTables([10, 11], 1000)).toBe(false);
    expect(c.needsTables([11], NOT_LISTENING_TTL_MS + 1)).toBe(true); // 11 may listen by now
    expect(c.needsTables([10], NOT_LISTENING_TTL_MS + 1)).toBe(false); // a known port stays known
    expect(c.needsTables([], 0)).toBe(false);
  });

  it('gives each process its sorted listening ports and forgets inodes no process holds', () => {
    const c = new SocketPortCache();
    c.learn(
      [1, 2, 3, 4],
      new Map([
        [1, 8080],
        [2, 80],
        [3, 8080],
      ]),
      0,
    );
    expect([
      ...c.portsOf(
        new Map([
          [100, [1, 2, 3]],
          [200, [4]],
        ]),
      ),
    ]).toEqual([[100, [80, 8080]]]);
    // 1-3 no longer held: forgotten, so seeing them again needs the tables.
    c.portsOf(new Map([[200, [4]]]));
    expect(c.needsTables([1], 1)).toBe(true);
    expect(c.needsTables([4], 1)).toBe(false);
  });
});

describe('Linux /proc formats', () => {
  it('reads the process state: a zombie says Z', () => {
    const line = '77 (llama-server) Z 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0 0';
    expect(parseProcStat(line, 4096)).toMatchObject({ comm: 'llama-server', state: 'Z', ppid: 1 });
  });

  it('names socket inodes from fd links, nothing else', () => {
    expect(socketInode('socket:[55512]')).toBe(55512);
    expect(socketInode('/dev/null')).toBeUndefined();
    expect(socketInode('pipe:[12]')).toBeUndefined();
  });

  it('picks the nearest page size and reads user names from passwd', () => {
    expect(nearestPageSize(4096 * 1000 + 7, 1000)).toBe(4096);
    expect(nearestPageSize(65536 * 10, 10)).toBe(65536);
    expect([...parsePasswd('root:x:0:0::/root:/bin/sh\nbad\nme:x:1000:1000::/home/me:/bin/sh\n')]).toEqual([
      [0, 'root'],
      [1000, 'me'],
    ]);
  });
});
