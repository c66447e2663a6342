/**
 * The AWS watch backs off while AWS throttles or cannot be reached (issue 22): the real watch, real SDK
 * clients and the local AWS endpoint with scripted faults; the watch's own timers are driven by hand so the
 * pauses it asks for are exact. After transiently failed rounds in a row the next poll waits longer (up to
 * 4 intervals), the first good round brings the interval back; what is not ready stays "unknown" with its
 * own reason through a planned pause (here and in the live gate another process reads), and a ready gate
 * still turns stale after about two intervals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsWatch } from '../../main/core/aws/watch';
import { readLiveGate } from '../../main/core/aws/live-gate';
import { Notifier } from '../../main/core/notify/notifier';
import type { Timers } from '../../main/core/units/poller';
import { startFakeAws } from '../fixtures/aws-endpoint/server';
import { startFaultProxy } from '../fixtures/aws-endpoint/fault-proxy';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const INTERVAL = 10_000;

async function setup(o: { logGroup?: string } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-backoff-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = await startFakeAws();
  cleanups.push(() => fake.close());
  fake.state.addService({ cluster: 'prod', service: 'api' });
  fake.state.setAlarm('api-5xx', 'OK');
  // Through the fault proxy: an outage is its connections reset, a stopped local endpoint its port closed.
  const proxy = await startFaultProxy(fake.url);
  cleanups.push(() => proxy.close());
  const clients = testClients(proxy.url, { maxAttempts: 1, timeout: '2s' });
  cleanups.push(() => clients.destroy());
  // Timers by hand: the last one set after a round is the poller's next poll.
  const set: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => set.push({ fn, ms, cleared: false }) - 1,
    clearTimeout: (h) => void (set[h as number] && (set[h as number]!.cleared = true)),
  };
  let clock = Date.parse('2026-12-07T10:00:00Z');
  const lines: string[] = [];
  const config = testConfig(dir, {
    gate: {
      services: [{ cluster: 'prod', service: 'api' }],
      alarms: { names: ['api-5xx'] },
      interval: `${INTERVAL / 1000}s`,
    },
    ...(o.logGroup
      ? { notify: { interval: `${INTERVAL / 1000}s`, 'log-groups': [{ name: o.logGroup }] } }
      : {}),
  });
  const dataDir = path.join(dir, 'data');
  const watch = createAwsWatch({
    effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
    config,
    clients,
    notifier: new Notifier({ dedupeMs: 0 }),
    dataDir,
    env: {},
    now: () => clock,
    timers,
    random: () => 1,
    log: (l) => lines.push(l),
  });
  cleanups.push(() => watch.stop());
  const requests = () => fake.state.requests.filter((q) => q.service !== 'http').length;
  /** Waits for the round in flight to end and returns the pause the poller then asked for. */
  const nextPause = async (): Promise<number> => {
    const before = set.length;
    const deadline = Date.now() + 5000;
    while (set.length === before || set.length < 2) {
      if (Date.now() > deadline) throw new Error('the watch scheduled no next poll');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 5));
    return set[set.length - 1]!.ms;
  };
  /** Moves the clock by the pause and runs the poller's timer: the next round. */
  const poll = (ms: number) => {
    clock += ms;
    set[set.length - 1]!.fn();
  };
  return {
    fake,
    proxy,
    watch,
    lines,
    requests,
    nextPause,
    poll,
    advance: (ms: number) => (clock += ms),
    live: () => readLiveGate(config, dataDir, {}, clock),
  };
}

describe('the AWS watch under repeated transient failures', () => {
  it('backs off up to 4 intervals while throttled, and is back to the interval on the first good round', async () => {
    const t = await setup();
    t.watch.start();
    expect(await t.nextPause()).toBe(INTERVAL);
    expect(t.watch.snapshot().gate).toBe('ready');

    t.fake.state.faults.push({ kind: 'throttle' });
    const pauses: number[] = [];
    let ms = INTERVAL;
    for (let i = 0; i < 4; i++) {
      t.poll(ms);
      ms = await t.nextPause();
      pauses.push(ms);
    }
    expect(pauses).toEqual([2 * INTERVAL, 4 * INTERVAL, 4 * INTERVAL, 4 * INTERVAL]);
    expect(t.watch.snapshot()).toMatchObject({ gate: 'unknown' });
    expect(t.watch.snapshot().reason).toMatch(/throttl/i);
    expect(t.lines.filter((l) => /polling less often/.test(l))).toHaveLength(1);

    // Through the planned pause the snapshot keeps its own reason (not "the poll has not come back"), and
    // another process still finds the live gate (unknown, not gone).
    t.advance(4 * INTERVAL - 1000);
    expect(t.watch.snapshot().reason).toMatch(/throttl/i);
    expect(t.watch.snapshot().reason).not.toMatch(/has not come back/);
    expect(t.live()).toMatchObject({ gate: 'unknown' });
    expect(t.live()!.reason).toMatch(/throttl/i);

    t.fake.state.faults.length = 0;
    t.poll(1000);
    expect(await t.nextPause()).toBe(INTERVAL);
    expect(t.watch.snapshot().gate).toBe('ready');
    expect(t.lines.filter((l) => /answers again; polling every 10 s/.test(l))).toHaveLength(1);
  });

  it('a ready gate is proved again on time (even while its log reads are throttled) and still turns stale', async () => {
    const t = await setup({ logGroup: '/ecs/api' });
    t.fake.state.putLogs('/ecs/api', ['INFO boot']);
    t.fake.state.faults.push({ op: 'FilterLogEvents', kind: 'throttle' });
    t.watch.start();
    expect(await t.nextPause()).toBe(INTERVAL);
    t.poll(INTERVAL);
    expect(await t.nextPause()).toBe(INTERVAL);
    expect(t.watch.snapshot()).toMatchObject({ gate: 'ready' });
    expect(t.watch.snapshot().cloudwatchBlind).toMatch(/throttl/i);
    t.advance(2 * INTERVAL + 5_001);
    expect(t.watch.snapshot().gate).toBe('unknown');
    expect(t.watch.snapshot().reason).toMatch(/has not come back\); was ready/);
  });

  it('an outage (connections reset) costs far fewer calls than polling at the interval', async () => {
    const t = await setup();
    t.watch.start();
    expect(await t.nextPause()).toBe(INTERVAL);
    t.proxy.set('reset'); // AWS unreachable: every connection is reset before any answer
    let ms = INTERVAL;
    let waited = 0;
    let rounds = 0;
    while (waited < 10 * INTERVAL) {
      t.poll(ms);
      waited += ms;
      rounds++;
      ms = await t.nextPause();
    }
    // 10 intervals: 10 rounds at the interval, 4 with the back-off (10 s, 20 s, 40 s, 40 s).
    expect(rounds).toBe(4);
    expect(t.watch.snapshot().reason).toMatch(/could not reach .*ECONNRESET/);
  });

  it('a loopback endpoint that refuses (LocalStack or moto not running) is said so, not backed off as an outage', async () => {
    const t = await setup();
    t.watch.start();
    expect(await t.nextPause()).toBe(INTERVAL);
    t.proxy.set('refuse'); // the port of this machine is closed: nothing listens there
    await new Promise((r) => setTimeout(r, 50)); // the clients see their kept-alive connections closed
    const pauses: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.poll(pauses.at(-1) ?? INTERVAL);
      pauses.push(await t.nextPause());
    }
    expect(pauses).toEqual([INTERVAL, INTERVAL, INTERVAL, INTERVAL]);
    expect(t.watch.snapshot().gate).toBe('unknown');
    expect(t.watch.snapshot().reason).toMatch(
      new RegExp(
        `refused the connection \\(ECONNREFUSED on ${new URL(t.proxy.url).host}\\).*is LocalStack/moto running on that port\\?`,
      ),
    );
    expect(t.lines.join('\n')).not.toMatch(/polling less often/);
  });
});
