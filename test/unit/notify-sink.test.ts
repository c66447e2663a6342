/**
 * The node-notifier sink with a frozen notification daemon: a real fake `notify-send` on PATH that sleeps.
 * Each call is bounded, outstanding child processes never exceed the limit, waiting notices are coalesced,
 * and the failure is logged once. Plus the Notifier's own delivery and dedupe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Notifier } from '../../main/core/notify/notifier';
import { nodeNotifierSink } from '../../main/core/notify/node-sink';
import type { Notice } from '../../main/core/state';

const linux = process.platform === 'linux';
let dir: string;
const savedPath = process.env.PATH;

const pids = () =>
  fs.existsSync(path.join(dir, 'pids'))
    ? fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').filter(Boolean).map(Number)
    : [];
const running = () =>
  pids().filter((p) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-notify-'));
  const script = path.join(dir, 'notify-send');
  fs.writeFileSync(
    script,
    `#!/bin/sh\necho $$ >> "${dir}/pids"\necho "$1" >> "${dir}/calls"\n[ -f "${dir}/recovered" ] && exit 0\nexec sleep 30\n`,
  );
  fs.chmodSync(script, 0o755);
  process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
});
afterAll(() => {
  for (const p of running()) process.kill(p, 'SIGKILL'); // only the fake daemons this test started
  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

const notice = (i: number): Notice => ({
  id: `n${i}`,
  at: new Date().toISOString(),
  level: 'error',
  title: `notice ${i}`,
  body: `body ${i}`,
  target: { view: 'aws' },
});

describe.runIf(linux)('nodeNotifierSink with a frozen daemon', () => {
  test('bounded calls, bounded children, coalesced queue, failure logged once', async () => {
    const logged: string[] = [];
    const sink = nodeNotifierSink({
      timeoutMs: 300,
      maxInFlight: 2,
      maxQueued: 3,
      log: (l) => logged.push(l),
    });
    for (let i = 0; i < 20; i++) sink.deliver(notice(i));
    await new Promise((r) => setTimeout(r, 900));
    const s = sink.stats();
    expect(s.inFlight).toBe(2);
    expect(s.queued).toBeLessThanOrEqual(3);
    expect(s.coalesced).toBe(20 - 2 - 3);
    expect(s.timedOut).toBe(2);
    // Only two notify-send processes were ever started: no pile-up of children.
    expect(pids()).toHaveLength(2);
    expect(running()).toHaveLength(2);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /desktop notifications are not working \(a notification call did not finish within 300 ms\)/,
    );
    expect(logged[0]).not.toContain('body');
    // The daemon recovers (the stuck calls end): the queue drains, still bounded, still logged once.
    fs.writeFileSync(path.join(dir, 'recovered'), '');
    for (const p of running()) process.kill(p, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1200));
    expect(sink.stats().queued).toBe(0);
    expect(pids().length).toBeLessThanOrEqual(2 + 3 + 2);
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).toMatch(/notices/); // a coalesced summary went out
    expect(logged).toHaveLength(1);
  });
});

describe('Notifier', () => {
  test('subscribers get every notice at once; identical repeats within the window are dropped; recent is bounded', () => {
    let t = 1000;
    const got: Notice[] = [];
    const delivered: Notice[] = [];
    const n = new Notifier({
      keep: 3,
      dedupeMs: 5000,
      now: () => t,
      sink: { deliver: (x) => void delivered.push(x) },
    });
    n.subscribe((x) => got.push(x));
    n.notify({ level: 'error', title: 'A', body: 'x', target: { view: 'aws' } });
    n.notify({ level: 'error', title: 'A', body: 'x', target: { view: 'aws' } });
    t += 6000;
    n.notify({ level: 'error', title: 'A', body: 'x', target: { view: 'aws' } });
    for (const b of ['1', '2', '3'])
      n.notify({ level: 'info', title: 'B', body: b, target: { view: 'aws' } });
    expect(got.map((x) => x.title + x.body)).toEqual(['Ax', 'Ax', 'B1', 'B2', 'B3']);
    expect(delivered).toHaveLength(5);
    expect(n.recent().map((x) => x.body)).toEqual(['1', '2', '3']);
  });

  test('a throwing sink or listener does not break notify', () => {
    const n = new Notifier({
      sink: {
        deliver: () => {
          throw new Error('boom');
        },
      },
    });
    n.subscribe(() => {
      throw new Error('bad listener');
    });
    expect(n.notify({ level: 'info', title: 't', body: 'b', target: { view: 'aws' } }).title).toBe('t');
  });
});
