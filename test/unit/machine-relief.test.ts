/**
 * What offloading freed, as pure functions: what a server held, the headline, and the running totals of
 * model time AWS served, hand-computed from journal-shaped events.
 */
import { describe, expect, it } from 'vitest';
import { reliefLines } from '../../main/core/format';
import type { JournalEntry } from '../../main/core/history/project-events';
import {
  dayAndWeekStart,
  freeAfterOf,
  freedText,
  heldBy,
  reliefEvents,
  reliefSummary,
  reliefTotal,
  servedText,
  type ReliefEvent,
} from '../../main/core/machine/relief';
import { stopNotice } from '../../main/core/rule/model-decisions';
import type { ModelProcess, StopOutcome } from '../../main/core/state';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const H = 3_600_000;

const model = (over: Partial<ModelProcess> = {}): ModelProcess => ({
  pid: 100,
  ppid: 1,
  server: 'ollama',
  title: 'Ollama',
  exe: '/usr/bin/ollama',
  cmdline: 'ollama serve',
  cpuPct: 12.5,
  rssBytes: 9.2 * GiB,
  ports: [11434],
  children: [101, 102],
  user: 'me',
  ...over,
});

const stopped = (title: string, ram: number, vram?: number): StopOutcome => ({
  pid: 100,
  title,
  result: 'stopped',
  how: [],
  freed: { rssBytes: ram, ...(vram ? { gpuMemBytes: vram } : {}) },
});

describe('heldBy and freeAfterOf', () => {
  it('VRAM per process of the tree from the per-process query; other pids ignored', () => {
    const apps = new Map([
      [101, 5 * GiB],
      [102, 1 * GiB],
      [999, 3 * GiB],
    ]);
    expect(heldBy(model(), apps)).toEqual({
      rssBytes: 9.2 * GiB,
      cpuPct: 12.5,
      pids: [100, 101, 102],
      gpuByPid: { '101': 5 * GiB, '102': 1 * GiB },
      gpuMemBytes: 6 * GiB,
    });
    // No per-process answer: the scan's own figure, no breakdown; no GPU at all: no VRAM.
    expect(heldBy(model({ gpuMemBytes: 2 * GiB }), new Map()).gpuMemBytes).toBe(2 * GiB);
    expect(heldBy(model(), new Map())).not.toHaveProperty('gpuMemBytes');
  });
  it('free VRAM summed over the GPUs that report memory', () => {
    const gpu = (used?: number, total?: number) => ({
      index: 0,
      name: 'g',
      vendor: 'NVIDIA',
      memUsedBytes: used,
      memTotalBytes: total,
    });
    const at = Date.UTC(2026, 11, 7, 9, 12);
    expect(freeAfterOf(at, 22 * GiB, [gpu(6 * GiB, 24 * GiB), gpu(1 * GiB, 16 * GiB), gpu()])).toEqual({
      at: '2026-12-07T09:12:00.000Z',
      ramAvailableBytes: 22 * GiB,
      vramFreeBytes: 33 * GiB,
    });
    expect(freeAfterOf(at, 1, [])).not.toHaveProperty('vramFreeBytes');
  });
});

describe('the headline', () => {
  it('names RAM and VRAM freed by the stopped servers only', () => {
    const out = [
      stopped('Ollama', 9.2 * GiB, 6 * GiB),
      { ...stopped('vLLM', 1 * GiB), result: 'respawned' as const },
    ];
    expect(freedText(out)).toBe('Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped');
    expect(freedText([stopped('llama.cpp', 512 * MiB)])).toBe('Freed 512 MiB RAM: llama.cpp stopped');
    expect(freedText([{ ...stopped('x', 1), result: 'refused' }])).toBeUndefined();
  });
  it('the rule’s notice is titled by what was freed, with what is free after', () => {
    const o: StopOutcome = {
      ...stopped('Ollama', 9.2 * GiB, 6 * GiB),
      freeAfter: { at: '2026-12-07T09:12:00.000Z', ramAvailableBytes: 22 * GiB, vramFreeBytes: 18 * GiB },
    };
    expect(stopNotice([o], 'gate-opened')).toEqual({
      level: 'info',
      title: 'Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped — AWS is serving',
      body: 'stopped Ollama; free after: 22 GiB RAM, 18 GiB VRAM',
    });
    expect(stopNotice([o], 'restarted-while-aws-ready')!.title).toBe(
      'Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped again — AWS is serving',
    );
  });
});

describe('running totals', () => {
  // A Wednesday 15:00 local time: the day starts at 00:00, the week on Monday 00:00.
  const now = new Date(2026, 11, 9, 15, 0, 0).getTime();
  const { day, week } = dayAndWeekStart(now);
  it('day and week start in local time', () => {
    expect(new Date(day)).toEqual(new Date(2026, 11, 9));
    expect(new Date(week)).toEqual(new Date(2026, 11, 7));
  });
  it('served from each stop to the end that follows (or now), clipped to the window; the most held', () => {
    const events: ReliefEvent[] = [
      // Monday 10:00–14:00: 4 h, 4 GiB.
      { at: week + 10 * H, kind: 'stop', outcomes: [stopped('Ollama', 4 * GiB)] },
      { at: week + 14 * H, kind: 'end', why: 'back to local' },
      // Tuesday 22:00 to now (Wednesday 15:00): 17 h, of which 15 h today; stopped again at 09:00 (larger).
      { at: day - 2 * H, kind: 'stop', outcomes: [stopped('Ollama', 6 * GiB, 6 * GiB)] },
      { at: day + 9 * H, kind: 'stop', outcomes: [stopped('Ollama', 9 * GiB, 6 * GiB)] },
      // A stop that stopped nothing starts nothing.
      { at: day + 10 * H, kind: 'stop', outcomes: [{ ...stopped('x', 1), result: 'refused' }] },
    ];
    const today = reliefTotal(events, day, now);
    expect(today).toEqual({
      servedMs: 15 * H,
      ramBytes: 9 * GiB,
      vramBytes: 6 * GiB,
      text: 'AWS served 15 h of model time that would have held 9.0 GiB RAM and 6.0 GiB VRAM here',
    });
    expect(reliefTotal(events, week, now).servedMs).toBe(21 * H);
    expect(reliefTotal([], week, now).text).toBe('no model time served by AWS');
  });
  it('the summary names the last stop; the lines read as status and the window show them', () => {
    const last = {
      ...stopped('Ollama', 9.2 * GiB, 6 * GiB),
      freeAfter: {
        at: new Date(now - H).toISOString(),
        ramAvailableBytes: 22 * GiB,
        vramFreeBytes: 18 * GiB,
      },
    };
    const s = reliefSummary([{ at: now - H, kind: 'stop', outcomes: [last] }], now);
    expect(s.last).toMatchObject({ titles: ['Ollama'], ramBytes: 9.2 * GiB, vramBytes: 6 * GiB });
    expect(s.today.servedMs).toBe(H);
    expect(reliefLines(s)).toEqual([
      'Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped at 14:00 (free after: 22 GiB RAM, 18 GiB VRAM)',
      'today: AWS served 1 h of model time that would have held 9.2 GiB RAM and 6.0 GiB VRAM here',
      'this week: AWS served 1 h of model time that would have held 9.2 GiB RAM and 6.0 GiB VRAM here',
    ]);
    expect(reliefLines(null)).toEqual([]);
    expect([servedText(30_000), servedText(45 * 60_000), servedText(6 * H), servedText(51 * H)]).toEqual([
      'under a minute',
      '45 min',
      '6 h',
      '2 d 3 h',
    ]);
  });
  it('journal entries: stops by the rule, the user and a step; back to local and AWS leaving ready end it', () => {
    const o = [stopped('Ollama', GiB)];
    const entries = [
      {
        at: '2026-12-07T08:00:00Z',
        kind: 'rule-action',
        data: { action: 'stop-local-models', trigger: 'gate-opened', outcomes: o, evidence: {} },
      },
      {
        at: '2026-12-07T09:00:00Z',
        kind: 'aws-gate',
        data: { from: 'ready', to: 'not-ready', evidence: {} },
      },
      { at: '2026-12-07T10:00:00Z', kind: 'stop-local-models', data: { trigger: 'step', outcomes: o } },
      {
        at: '2026-12-07T11:00:00Z',
        kind: 'config-switch',
        data: { trigger: 'user', target: 'local', refused: 'no' },
      },
      { at: '2026-12-07T12:00:00Z', kind: 'config-switch', data: { trigger: 'user', target: 'local' } },
      { at: 'not a date', kind: 'stop-local-models', data: { trigger: 'user', outcomes: o } },
    ] as JournalEntry[];
    expect(reliefEvents(entries).map((e) => [new Date(e.at).getUTCHours(), e.kind])).toEqual([
      [8, 'stop'],
      [9, 'end'],
      [10, 'stop'],
      [12, 'end'],
    ]);
  });
});
