// The pid counter tells a step's sweep which processes started after the step did (Linux): only those can
// hold its cookie. Real processes for the readings; the span's arithmetic (wrap at pid_max) on its own.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidClock, pidSpan, pidsAliveSince, pidsSince } from '../../main/core/platform/pid-clock';
import { markedProcesses, sweepCookie } from '../../main/core/platform/step-cookie';
import { spawnMarked } from '../../main/core/platform/process-tree';

const exited = (c: ReturnType<typeof spawn>) => new Promise((r) => c.once('exit', r));

describe('pidSpan', () => {
  const at = (last: number, forks: number) => ({ last, forks });
  it('is the pids handed out between two readings, across the wrap at pid_max', () => {
    const inSpan = pidSpan({ since: at(1000, 50), now: at(1005, 55), tasks: 400, pidMax: 32768 });
    expect([1000, 1001, 1005, 1006, 999, 5].map((p) => inSpan?.(p))).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
    const wrapped = pidSpan({ since: at(32760, 50), now: at(305, 60), tasks: 400, pidMax: 32768 });
    expect([32760, 32761, 32767, 300, 305, 306, 1000].map((p) => wrapped?.(p))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('is unknown when the counter may have gone all the way round, or the readings make no sense', () => {
    // forks plus tasks the cursor may skip reach pid_max less the reserved pids: a full lap is possible.
    expect(pidSpan({ since: at(1000, 0), now: at(1005, 32068), tasks: 400, pidMax: 32768 })).toBeUndefined();
    expect(pidSpan({ since: at(1000, 0), now: at(1005, 32067), tasks: 400, pidMax: 32768 })).toBeDefined();
    expect(pidSpan({ since: at(1000, 9), now: at(1005, 9), tasks: 4, pidMax: 32768 })).toBeUndefined();
    expect(pidSpan({ since: at(1000, 9), now: at(1000, 12), tasks: 4, pidMax: 32768 })).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('pid counter readings (Linux)', () => {
  it('a child and what it starts are after the reading taken before it; this process is not', async () => {
    const since = pidClock();
    expect(since).toBeDefined();
    const child = spawn('sh', ['-c', 'sleep 5 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await exited(child);
    const grandchild = Number(out.trim());
    const after = pidsSince(since!, child.pid!);
    expect(after).toBeDefined();
    expect([child.pid, grandchild, process.pid, 1].map((p) => after!(p!))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    process.kill(grandchild);
  });

  it('the processes alive among those started since are found by looking their pids up, not listing /proc', async () => {
    const since = pidClock()!;
    const child = spawn('sh', ['-c', 'sleep 5 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await exited(child);
    const grandchild = Number(out.trim());
    // On a machine forking fast the counter may move in every round: unknown then (the caller lists /proc).
    let alive: number[] | undefined;
    for (let i = 0; i < 20 && !alive; i++) alive = pidsAliveSince(since, child.pid!);
    expect(alive).toBeDefined();
    expect(alive).toContain(grandchild);
    expect(alive).not.toContain(child.pid); // exited and reaped
    expect(alive).not.toContain(process.pid);
    process.kill(grandchild);
    // A span too long to look up pid by pid: unknown (the caller lists /proc).
    const now = pidClock()!;
    expect(pidsAliveSince({ last: now.last - 600, forks: now.forks - 1 }, now.last)).toBeUndefined();
  });

  it('readings a known child does not fit are not trusted', () => {
    const now = pidClock()!;
    expect(pidsSince({ last: now.last, forks: now.forks - 1 }, process.pid)).toBeUndefined();
    expect(pidsSince({ last: now.last + 5, forks: now.forks + 5 }, now.last + 1)).toBeUndefined();
  });

  it("a step's sweep reads only what started since, and still ends the daemon that left its tree", async () => {
    const marked = spawnMarked('bash', ['-c', '( setsid sleep 31 >/dev/null 2>&1 < /dev/null & ) ; true'], {
      stdio: 'ignore',
    });
    await exited(marked.child);
    expect(marked.start?.pid).toBe(marked.child.pid);
    let daemon: number | undefined;
    for (let i = 0; i < 100 && daemon === undefined; i++) {
      const found = [...(await markedProcesses('linux', marked.start))].find(([, c]) => c === marked.cookie);
      daemon = found?.[0];
      if (daemon === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(daemon).toBeDefined();
    const swept = await sweepCookie(marked.cookie, { since: marked.start, graceMs: 500 });
    marked.release();
    expect(swept).toEqual([daemon]);
    expect((await markedProcesses('linux', marked.start)).has(daemon!)).toBe(false);
  });
});
