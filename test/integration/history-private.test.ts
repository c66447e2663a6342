// Issue 9: a damaged event log never breaks history or reads as passed (item 5); a recorded pid now owned by
// another process is not the writer (item 8); everything Offload writes in its data folder is private (item 3).
// Real CLI runs, real files, real processes; modes read back with fs.statSync under umask 022.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore, newRunId } from '../../main/core/history';
import { ConfigSwitcher } from '../../main/core/switch/switcher';
import { parseSwitchConfig } from '../../main/core/switch/config';
import { PRIVATE_FILE, writeFileAtomic } from '../../main/core/platform/atomic-file';
import { processStartTime } from '../../main/core/platform/process-tree';
import type { RunEvent } from '../../main/core/vocabulary';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';
import { cleanupTemp, tempDir } from '../fixtures/engine/project';

let oldMask: number | undefined;
beforeAll(() => {
  try {
    oldMask = process.umask(0o022);
  } catch {
    /* workers cannot set it; the default here is 022 */
  }
});
afterAll(() => {
  if (oldMask !== undefined) process.umask(oldMask);
  cleanupTemp();
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** Every folder and file under `dir` with its mode, for "nothing is group/other readable". */
function modes(dir: string): { path: string; mode: number; dir: boolean }[] {
  const out: { path: string; mode: number; dir: boolean }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push({ path: p, mode: mode(p), dir: e.isDirectory() });
    if (e.isDirectory()) out.push(...modes(p));
  }
  return out;
}

function started(runId: string, pid: number, extra: Partial<RunEvent> = {}): RunEvent {
  return {
    type: 'run-started',
    runId,
    at: '2025-01-01T10:00:00.000Z',
    workflow: 'local',
    project: { name: 'p', dir: '/srv/p', configFile: '/srv/p/offload.yml' },
    fingerprint: 'f'.repeat(64),
    phases: [{ id: 'local', title: 'Local', steps: [{ id: 'build', name: 'Build', kind: 'run' }] }],
    pid,
    ...extra,
  } as RunEvent;
}

const PROJECT = `name: demo
phases:
  local:
    steps:
      - id: build
        run: echo building
workflows:
  local: [local]
`;

describe('a damaged event log', () => {
  it('a null, garbage or half-shaped line: offload history exits 0 and the run does not read as passed', async () => {
    const dir = makeProject(PROJECT);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(r.code).toBe(0);
    const [events] = fs
      .readdirSync(path.join(data, 'projects'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('events.jsonl'))
      .map((f) => path.join(data, 'projects', f));
    const lines = fs.readFileSync(events!, 'utf8').split('\n');
    // Damage in the middle: null, a number, garbage, an event without its fields, a run-started without phases.
    lines.splice(2, 0, 'null', '42', '\u0000\u0001garbage', '{"type":"step"}', '{"type":"run-started"}');
    fs.writeFileSync(events!, lines.join('\n'));
    const list = await runCli(['history', '--json', '--data-dir', data], { cwd: dir });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout);
    expect(runs[0].status).toBe('failed');
    expect(runs[0].reason).toBe(
      "outcome unknown: 5 unreadable lines in the run's event log (the rest reads as passed)",
    );
    const plain = await runCli(['history', '--data-dir', data], { cwd: dir });
    expect(plain.code).toBe(0);
    const status = await runCli(['status', '--data-dir', data], { cwd: dir });
    expect(status.code).toBe(0);
  });

  it('a lone null line as the whole log reads as no run; a torn last line alone is not damage', () => {
    const s = new HistoryStore({ dataDir: tempDir('hist-null'), project: { name: 'p', dir: '/srv/p' } });
    const a = newRunId();
    fs.mkdirSync(path.join(s.runsDir, a), { recursive: true });
    fs.writeFileSync(path.join(s.runsDir, a, 'events.jsonl'), 'null\n');
    expect(s.readRun(a)).toBeNull();
    expect(s.listRuns()).toEqual([]);
    const b = newRunId();
    const w = s.startRun(b);
    w.append(started(b, process.pid));
    w.append({
      type: 'run-finished',
      runId: b,
      at: '2025-01-01T10:00:01.000Z',
      status: 'passed',
      durationMs: 1,
    });
    w.close();
    expect(s.readRun(b)!.status).toBe('passed');
    fs.appendFileSync(path.join(s.runsDir, b, 'events.jsonl'), 'null\n');
    expect(s.readRun(b)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^outcome unknown/),
    });
  });
});

describe('pid reuse', () => {
  it('a run whose recorded pid now belongs to another process reads as interrupted, never ⏳', async () => {
    const s = new HistoryStore({ dataDir: tempDir('hist-reuse'), project: { name: 'p', dir: '/srv/p' } });
    const other = spawn('sleep', ['30']);
    try {
      const pid = other.pid!;
      const start = processStartTime(pid);
      if (process.platform === 'linux') expect(start).toEqual(expect.any(Number));
      // The writer was an earlier process with this pid: same pid, another start time.
      const reused = newRunId();
      const w = s.startRun(reused);
      w.append(started(reused, pid, { pidStart: (start ?? 0) - 12345 } as Partial<RunEvent>));
      w.close();
      // Same pid and start time: the writer itself, still running.
      const live = newRunId();
      const w2 = s.startRun(live);
      w2.append(started(live, pid, start === undefined ? {} : ({ pidStart: start } as Partial<RunEvent>)));
      w2.close();
      if (process.platform === 'linux') {
        expect(s.readRun(reused)).toMatchObject({
          status: 'failed',
          reason: expect.stringMatching(/^interrupted/),
        });
      }
      expect(s.readRun(live)!.status).toBe('running');
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.on('exit', r));
    }
  });

  it('the store records its own start time with its pid', () => {
    const s = new HistoryStore({ dataDir: tempDir('hist-own'), project: { name: 'p', dir: '/srv/p' } });
    const id = newRunId();
    const w = s.startRun(id);
    w.append(started(id, process.pid));
    w.close();
    const first = JSON.parse(
      fs.readFileSync(path.join(s.runsDir, id, 'events.jsonl'), 'utf8').split('\n')[0]!,
    );
    expect(first.pid).toBe(process.pid);
    if (process.platform === 'linux') expect(first.pidStart).toBe(processStartTime(process.pid));
  });
});

describe.skipIf(process.platform === 'win32')('private files in the data folder', () => {
  it('a real run: every folder 0700 and every file 0600 (run logs, events, journal, gate state)', async () => {
    const dir = makeProject(PROJECT);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(r.code).toBe(0);
    const all = modes(path.join(data, 'projects'));
    expect(all.some((e) => e.path.endsWith('events.jsonl'))).toBe(true);
    expect(all.some((e) => e.path.endsWith('.log'))).toBe(true);
    for (const e of all) expect([e.path, e.mode.toString(8)]).toEqual([e.path, e.dir ? '700' : '600']);
  });

  it('journal, state and step logs of an older, more open layout are narrowed', async () => {
    const dataDir = tempDir('hist-old');
    const s = new HistoryStore({ dataDir, project: { name: 'p', dir: '/srv/p' } });
    fs.mkdirSync(s.projectDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(s.projectDir, 0o755);
    fs.writeFileSync(path.join(s.projectDir, 'journal.jsonl'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(s.projectDir, 'gates.json'), '{}', { mode: 0o644 });
    s.appendProjectEvent('rule-action', { action: 'verify', result: null });
    s.writeState('gates', { a: 1 });
    const id = newRunId();
    const w = s.startRun(id);
    w.append(started(id, process.pid));
    const log = w.stepLog('local', 'build').open();
    fs.writeSync(log, 'x\n');
    fs.closeSync(log);
    w.close();
    expect(mode(s.projectDir).toString(8)).toBe('700');
    expect(mode(path.join(s.projectDir, 'journal.jsonl')).toString(8)).toBe('600');
    expect(mode(path.join(s.projectDir, 'gates.json')).toString(8)).toBe('600');
    expect(mode(s.stepLogPath(id, 'local', 'build')).toString(8)).toBe('600');
  });

  it('switch backups of a 0600 .env are 0600 in 0700 folders, never more readable than the original', async () => {
    const project = tempDir('sw-project');
    const env = path.join(project, '.env');
    fs.writeFileSync(env, 'OPENAI_API_KEY=sk-live-123\nAPI_URL=http://localhost:8000\n', { mode: 0o600 });
    fs.chmodSync(env, 0o600);
    const stateDir = path.join(tempDir('sw-data'), 'projects', 'demo-0123456789');
    const sw = new ConfigSwitcher({
      stateDir,
      config: parseSwitchConfig(
        {
          files: [
            {
              path: '.env',
              keys: { API_URL: { local: 'http://localhost:8000', aws: 'https://api.example.com' } },
            },
          ],
        },
        project,
      ),
    });
    await sw.switchTo('aws');
    expect(fs.readFileSync(env, 'utf8')).toContain('https://api.example.com');
    expect(mode(env).toString(8)).toBe('600'); // the switched file keeps its own mode
    const all = modes(path.dirname(stateDir));
    expect(all.filter((e) => !e.dir).length).toBeGreaterThanOrEqual(2); // .original, .before, state
    for (const e of all) expect([e.path, e.mode.toString(8)]).toEqual([e.path, e.dir ? '700' : '600']);
  });

  it('PRIVATE_FILE narrows an existing, more open file on rewrite', () => {
    const f = path.join(tempDir('atomic-priv'), 'sub', 'settings.json');
    fs.mkdirSync(path.dirname(f), { mode: 0o755 });
    fs.writeFileSync(f, '{}', { mode: 0o644 });
    writeFileAtomic(f, '{"a":1}', PRIVATE_FILE);
    expect(mode(f).toString(8)).toBe('600');
    expect(mode(path.dirname(f)).toString(8)).toBe('700');
    // Without it, a user's file keeps its own mode (switch targets in the project).
    const g = path.join(path.dirname(f), 'user.env');
    fs.writeFileSync(g, 'x', { mode: 0o640 });
    fs.chmodSync(g, 0o640);
    writeFileAtomic(g, 'y');
    expect(mode(g).toString(8)).toBe('640');
  });
});
