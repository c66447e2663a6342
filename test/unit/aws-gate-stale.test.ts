// Stale observations are unknown: the pure age check, and the live gate another process reads (a real file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleAfterMs, staleAsUnknown } from '../../main/core/aws/gate';
import { readLiveGateFile } from '../../main/core/aws/live-gate';

const T = Date.parse('2025-01-01T00:00:00Z');
const ready = { gate: 'ready' as const, reason: 'all good', checkedAt: new Date(T).toISOString() };

describe('stale observations', () => {
  it('older than about two intervals: unknown, saying how old and what it was', () => {
    const maxAgeMs = staleAfterMs(60_000);
    expect(maxAgeMs).toBe(125_000);
    expect(staleAsUnknown(ready, { now: T + 100_000, maxAgeMs })).toBe(ready);
    expect(staleAsUnknown(ready, { now: T + 130_000, maxAgeMs })).toEqual({
      gate: 'unknown',
      checkedAt: ready.checkedAt,
      reason: "last seen 130 s ago (the watch's poll has not come back); was ready: all good",
    });
    // Before the first round: measured from the watch's start.
    expect(staleAsUnknown({ gate: 'checking' }, { now: T + 130_000, maxAgeMs, startedAt: T }).gate).toBe(
      'unknown',
    );
    expect(staleAsUnknown({ gate: 'disabled' }, { now: T + 1e9, maxAgeMs, startedAt: T }).gate).toBe(
      'disabled',
    );
  });

  it('the live gate of a watch whose poll hangs reads unknown', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-live-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'gate-live.json'),
        JSON.stringify({
          pid: process.pid,
          at: T,
          since: new Date(T - 600_000).toISOString(),
          intervalMs: 20_000,
          snapshot: {
            ...ready,
            services: [],
            endpoints: [],
            alarms: [],
            recentErrors: [],
            configTarget: 'aws',
          },
        }),
      );
      expect(readLiveGateFile(dir, T + 20_000)?.gate).toBe('ready');
      const hung = readLiveGateFile(dir, T + 51_000)!;
      expect(hung.gate).toBe('unknown');
      expect(hung.reason).toMatch(/^last seen 51 s ago/);
      expect(hung.live.pid).toBe(process.pid);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
