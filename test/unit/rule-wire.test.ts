import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ModelProcess, StopOutcome } from '../../main/core/vocabulary';
import { Notifier } from '../../main/core/notify/notifier';
import type { GatePoll } from '../../main/core/rule/aws-ready';
import {
  backToLocalNotice,
  createRuleWiring,
  gateActionNotice,
  offerBackToLocalNotice,
  switchVerdict,
} from '../../main/core/rule/wire';
import { testConfig } from '../fixtures/aws-endpoint/helpers';

const poll = (from: GatePoll['from'], to: GatePoll['to'], reason = ''): GatePoll => ({
  from,
  to,
  reason,
  evidence: { services: [], endpoints: [], alarms: [] },
});

const model = (pid: number): ModelProcess => ({
  pid,
  ppid: 1,
  server: 'ollama',
  title: 'Ollama',
  exe: '/usr/bin/ollama',
  cmdline: 'ollama serve',
  cpuPct: 0,
  rssBytes: 1,
  ports: [],
  children: [],
  user: 'me',
});

describe('rule wiring: decisions', () => {
  it('offers the way back, or says it switched back and whether the local models started', () => {
    expect(offerBackToLocalNotice('alarm x', 600_000, false)).toEqual({
      level: 'warning',
      title: 'AWS not ready for 10m',
      body: 'alarm x',
      target: { view: 'aws' },
    });
    expect(offerBackToLocalNotice('alarm x', 20_000, true).body).toMatch(
      /^alarm x — Back to local: `offload switch local`/,
    );
    expect(backToLocalNotice('alarm x', 600_000)).toMatchObject({
      level: 'info',
      title: 'Back to local',
      target: { view: 'aws' },
    });
    expect(
      backToLocalNotice('alarm x', 600_000, {
        ok: false,
        command: 'c',
        reason: 'no server listed within 30 s',
      }),
    ).toEqual({
      level: 'error',
      title: 'Back to local: the local models did not start',
      body: 'AWS not ready for 10m (alarm x); the dev tools point at the local models again — no server listed within 30 s.',
      target: { view: 'models' },
    });
  });

  it('tells the user about AWS not ready at start only when the dev tools point at it, and about a blind AWS always', () => {
    const p = poll('checking', 'not-ready', 'service api: 0/1 running');
    expect(gateActionNotice({ kind: 'not-ready-at-start' }, p, false)).toBeUndefined();
    expect(gateActionNotice({ kind: 'not-ready-at-start' }, p, true)?.title).toBe(
      'Dev tools point at AWS, which is not ready',
    );
    expect(
      gateActionNotice({ kind: 'cannot-see', reason: 'DescribeServices throttled' }, p, true)?.body,
    ).toBe(
      'DescribeServices throttled — nothing is switched, stopped or started until AWS can be seen again; the dev tools still point at AWS.',
    );
    expect(gateActionNotice({ kind: 'opened' }, p, true)).toBeUndefined();
  });

  it('refuses the switch to AWS past a gate that is not ready unless forced', () => {
    expect(switchVerdict(undefined, false)).toEqual({});
    expect(switchVerdict('AWS is not ready: x', false)).toEqual({ refused: 'AWS is not ready: x' });
    expect(switchVerdict('AWS is not ready: x', true)).toEqual({ forcedPast: 'AWS is not ready: x' });
  });
});

describe('rule wiring: model checks beside the gate', () => {
  it('coalesces model checks from a burst of machine updates, and a poll never waits on them', async () => {
    let pid = 100;
    const listeners = new Set<() => void>();
    const releases: (() => void)[] = [];
    let stops = 0;
    const models = {
      models: () => [model(pid)],
      refreshModels: async () => [model(pid)],
      subscribe: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      stopModelServers: (o: { pids?: number[] }): Promise<StopOutcome[]> => {
        stops++;
        const out = (o.pids ?? []).map((p) => ({
          pid: p,
          title: 'Ollama',
          result: 'stopped' as const,
          how: [],
        }));
        if (stops === 1) return Promise.resolve(out); // the stop when the gate opens
        return new Promise((r) => releases.push(() => r(out))); // each later check hangs until released
      },
    };
    const config = testConfig(os.tmpdir(), {
      gate: { services: [{ cluster: 'c', service: 's' }], policy: 'auto' },
    });
    const rule = createRuleWiring({
      config,
      models,
      notifier: new Notifier(),
      dataDir: os.tmpdir(),
      log: () => undefined,
    });
    let onPoll: ((p: GatePoll) => Promise<void> | void) | undefined;
    rule.attach({
      onGatePoll: (l) => {
        onPoll = l;
        return () => undefined;
      },
    });
    await onPoll!(poll('checking', 'ready'));
    expect(stops).toBe(1);

    // 100 machine updates, each listing a new server, while the first check hangs in its stop.
    for (let i = 0; i < 100; i++) {
      pid++;
      for (const l of listeners) l();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(stops).toBe(2);
    // A poll while AWS stays ready returns at once, not behind the hanging check.
    const t0 = Date.now();
    await onPoll!(poll('ready', 'ready'));
    expect(Date.now() - t0).toBeLessThan(100);

    pid++; // one more server listed by the time the pending check runs
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 20));
    expect(stops).toBe(3); // the one pending check (the burst and the poll's check share it)
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 20));
    expect(stops).toBe(3);
    expect(releases).toEqual([]);
    rule.dispose();
  });
});
