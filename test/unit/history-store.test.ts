// History on disk: honest after a crash (torn line, dead writer), live when the writer lives, pruned to limits.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore, newRunId } from '../../main/core/history';
import type { RunEvent } from '../../main/core/workflow/types';
import { cleanupTemp, tempDir } from '../fixtures/engine/project';

afterAll(cleanupTemp);

function store(keep?: number, maxBytes?: number) {
  return new HistoryStore({
    dataDir: tempDir('hist'),
    project: { name: 'My App!', dir: '/srv/my-app' },
    keep,
    maxBytes,
  });
}

function started(runId: string, pid: number, at = '2025-01-01T10:00:00.000Z'): RunEvent {
  return {
    type: 'run-started',
    runId,
    at,
    workflow: 'full',
    project: { name: 'My App!', dir: '/srv/my-app', configFile: '/srv/my-app/offload.yml' },
    fingerprint: 'f'.repeat(64),
    phases: [
      {
        id: 'local',
        title: 'Local',
        steps: [
          { id: 'build', name: 'Build', kind: 'run' },
          { id: 'test', name: 'Test', kind: 'run' },
        ],
      },
      { id: 'aws-test', title: 'AWS testing', steps: [{ id: 'hit', name: 'Hit', kind: 'http' }] },
    ],
    pid,
  };
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid as number;
}

describe('HistoryStore', () => {
  it('lays out per-project folders with a slug and a hash of the project dir', () => {
    const s = store();
    expect(path.basename(s.projectDir)).toMatch(/^my-app-[0-9a-f]{10}$/);
    const other = new HistoryStore({
      dataDir: path.dirname(path.dirname(s.projectDir)),
      project: { name: 'My App!', dir: '/srv/other' },
    });
    expect(other.projectDir).not.toBe(s.projectDir);
  });

  it('run ids sort by start time', () => {
    const a = newRunId(new Date('2025-01-01T10:00:00.000Z'));
    const b = newRunId(new Date('2025-01-01T10:00:00.001Z'));
    const c = newRunId(new Date('2025-02-01T00:00:00.000Z'));
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(a).toMatch(/^20250101-100000-000-[0-9a-f]{6}$/);
  });

  it('a torn last line and a dead writer read back as failed: interrupted, nothing left running', () => {
    const s = store();
    const runId = newRunId();
    const w = s.startRun(runId);
    w.append(started(runId, deadPid()));
    w.append({ type: 'phase', runId, at: '2025-01-01T10:00:01.000Z', phase: 'local', status: 'running' });
    w.append({
      type: 'step',
      runId,
      at: '2025-01-01T10:00:01.000Z',
      phase: 'local',
      step: 'build',
      status: 'running',
      attempt: 1,
    });
    w.close();
    // kill -9 in the middle of a write: half a JSON line at the end.
    fs.appendFileSync(
      path.join(s.runsDir, runId, 'events.jsonl'),
      '{"type":"step","runId":"x","at":"2025-01-01T10:0',
    );
    const run = s.readRun(runId)!;
    expect(run.status).toBe('failed');
    expect(run.reason).toBe(
      'interrupted (Offload stopped at 2025-01-01T10:00:01.000Z, last event: step local/build running)',
    );
    expect(run.phases[0]).toMatchObject({ status: 'failed', reason: 'interrupted' });
    expect(run.phases[0]!.steps.map((x) => x.status)).toEqual(['failed', 'pending']);
    expect(run.phases[0]!.steps[0]!.reason).toBe('interrupted');
    expect(run.phases[1]!.status).toBe('pending');
    expect(JSON.stringify(run)).not.toContain('"running"');
    expect(s.listRuns()[0]).toMatchObject({ runId, status: 'failed' });
  });

  it('a run whose writer is another live process reads as running', async () => {
    const s = store();
    const runId = newRunId();
    const other = spawn('sleep', ['30']);
    try {
      const w = s.startRun(runId);
      w.append(started(runId, other.pid as number));
      w.close();
      expect(s.readRun(runId)!.status).toBe('running');
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.on('exit', r));
    }
    expect(s.readRun(runId)!.status).toBe('failed');
  });

  it('this process: running while its writer is open, interrupted once closed without run-finished', () => {
    const s = store();
    const runId = newRunId();
    const w = s.startRun(runId);
    w.append(started(runId, process.pid));
    expect(s.readRun(runId)!.status).toBe('running');
    w.close();
    expect(s.readRun(runId)!.status).toBe('failed');
  });

  it('finished runs read back with statuses, reasons, durations and the tail of the last step log', async () => {
    const s = store();
    const runId = newRunId();
    const w = s.startRun(runId);
    w.append(started(runId, process.pid));
    w.append({
      type: 'step',
      runId,
      at: '2025-01-01T10:00:01.000Z',
      phase: 'local',
      step: 'build',
      status: 'running',
      attempt: 1,
    });
    const log = w.stepLog('local', 'build').open();
    fs.writeSync(log, 'one\ntwo\nthree\n');
    fs.closeSync(log);
    w.append({
      type: 'step',
      runId,
      at: '2025-01-01T10:00:02.000Z',
      phase: 'local',
      step: 'build',
      status: 'failed',
      reason: 'exit code 1',
      durationMs: 1000,
    });
    w.append({
      type: 'run-finished',
      runId,
      at: '2025-01-01T10:00:02.000Z',
      status: 'failed',
      reason: 'local: build failed',
      durationMs: 2000,
    });
    w.close();
    const run = s.readRun(runId)!;
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'local: build failed',
      durationMs: 2000,
      tail: ['one', 'two', 'three'],
    });
    expect(run.phases[0]!.steps[0]).toMatchObject({
      status: 'failed',
      reason: 'exit code 1',
      durationMs: 1000,
    });
    expect(s.readRun('../../etc')).toBeNull();
    expect(s.readRun('nope')).toBeNull();
  });

  it('prune keeps the last N runs and stays under maxBytes, never removing a running run', () => {
    const s = store(3, 50_000);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = newRunId(new Date(Date.UTC(2025, 0, 1, 10, i)));
      ids.push(id);
      const w = s.startRun(id);
      w.append(started(id, i === 0 ? process.pid : deadPid()));
      if (i !== 0)
        w.append({
          type: 'run-finished',
          runId: id,
          at: '2025-01-01T10:00:00.000Z',
          status: 'passed',
          durationMs: 1,
        });
      if (i !== 0) w.close(); // run 0 stays open: it is "running" in this process
    }
    s.prune();
    const left = fs.readdirSync(s.runsDir).sort();
    expect(left).toEqual([ids[0], ids[3], ids[4], ids[5]]);
    // Size cap: a big newest run (alone near the cap) pushes older ones out; it is kept itself.
    const big = newRunId(new Date(Date.UTC(2025, 0, 1, 11)));
    const w = s.startRun(big);
    w.append(started(big, deadPid()));
    fs.writeFileSync(path.join(s.runsDir, big, 'steps', 'local--build.log'), 'x'.repeat(49_900));
    w.close();
    s.prune();
    expect(fs.readdirSync(s.runsDir).sort()).toEqual([ids[0], big]);
  });

  it('journal and state files round-trip; a torn journal line is skipped', () => {
    const s = store();
    s.appendProjectEvent('rule-action', { action: 'verify', result: null });
    s.appendProjectEvent('stop-local-models', { trigger: 'user', outcomes: [] });
    fs.appendFileSync(path.join(s.projectDir, 'journal.jsonl'), '{"at":"2025');
    const ev = s.readProjectEvents();
    expect(ev.map((e) => e.kind)).toEqual(['rule-action', 'stop-local-models']);
    expect(s.readProjectEvents(1).map((e) => e.kind)).toEqual(['stop-local-models']);
    s.writeState('gates', { a: 1 });
    expect(s.readState('gates')).toEqual({ a: 1 });
    expect(fs.readdirSync(s.projectDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.runIf(process.platform !== 'win32')(
    'a state file someone else could have written is not read (the rule acts on the gate records)',
    () => {
      const s = store();
      s.writeState('gates', { passed: true });
      const file = path.join(s.projectDir, 'gates.json');
      for (const mode of [0o620, 0o602, 0o666]) {
        fs.chmodSync(file, mode);
        expect(s.readState('gates'), mode.toString(8)).toBeUndefined();
      }
      fs.chmodSync(file, 0o600);
      expect(s.readState('gates')).toEqual({ passed: true });
      // a link in its place, even to the user's own file, is not followed
      fs.renameSync(file, `${file}.real`);
      fs.symlinkSync(`${file}.real`, file);
      expect(s.readState('gates')).toBeUndefined();
    },
  );
});
