/**
 * Phase 6 against the local AWS endpoint: alarm transitions notify exactly once (in and out), and error log
 * lines are notified across polls and a restart without gaps or duplicates, coalesced per group.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAwsWatch } from '../../main/core/aws/watch';
import { LogErrorWatch } from '../../main/core/aws/logs';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';
import { startFakeAws, type FakeAws } from '../fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../fixtures/aws-endpoint/helpers';
import type { AwsClients } from '../../main/core/aws/clients';
import { projectEffects } from '../../main/core/boundary';

const TRUSTED = projectEffects({ trusted: true });

let fake: FakeAws;
let clients: AwsClients;
let dir: string;
beforeAll(async () => {
  fake = await startFakeAws();
  clients = testClients(fake.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-cw-'));
});
afterAll(async () => {
  clients?.destroy();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function watchFor(sections: Record<string, unknown>, notices: Notice[], now?: () => number) {
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  return createAwsWatch({
    effects: TRUSTED, // the user trusts this project: the gate asks AWS and the endpoints
    config: testConfig(dir, sections),
    clients,
    notifier,
    dataDir: path.join(dir, 'data'),
    log: () => undefined,
    now,
  });
}

describe('alarms', () => {
  test('each transition into ALARM and out of it notifies exactly once, with name, metric and reason', async () => {
    fake.state.setAlarm('inference-5xx', 'OK', 'fine', '5XXError');
    fake.state.setAlarm('inference-latency', 'OK', 'fine', 'TargetResponseTime');
    fake.state.setAlarm('inference-gpu', 'INSUFFICIENT_DATA', 'no data', 'GPUUtilization');
    const notices: Notice[] = [];
    const w = watchFor(
      { notify: { alarms: { names: ['inference-5xx', 'inference-latency', 'inference-gpu'] } } },
      notices,
    );
    const calls0 = fake.state.count('DescribeAlarms');
    await w.pollOnce();
    // One DescribeAlarms call covers all three names.
    expect(fake.state.count('DescribeAlarms') - calls0).toBe(1);
    expect(notices).toEqual([]);
    fake.state.setAlarm('inference-5xx', 'ALARM', 'Threshold Crossed: 1 datapoint [14.0] > 5.0', '5XXError');
    for (let i = 0; i < 3; i++) await w.pollOnce();
    expect(notices.map((n) => n.title)).toEqual(['CloudWatch alarm: inference-5xx']);
    expect(notices[0]!.body).toBe('AWS/ECS/5XXError — Threshold Crossed: 1 datapoint [14.0] > 5.0');
    fake.state.setAlarm('inference-5xx', 'OK', 'back to normal', '5XXError');
    fake.state.setAlarm('inference-gpu', 'OK', 'data again', 'GPUUtilization'); // not a transition out of ALARM
    for (let i = 0; i < 3; i++) await w.pollOnce();
    expect(notices.map((n) => n.title)).toEqual([
      'CloudWatch alarm: inference-5xx',
      'Resolved: inference-5xx',
    ]);
    // A failed poll (throttled) is not a transition either way.
    fake.state.faults.push({ op: 'DescribeAlarms', kind: 'throttle', times: 3 });
    await w.pollOnce();
    await w.pollOnce();
    expect(notices).toHaveLength(2);
    w.stop();
  });
});

describe('error logs', () => {
  test('new matching lines across polls and a restart: no gaps, no duplicates, one coalesced notice per group', async () => {
    const group = '/ecs/inference-api';
    const t0 = Date.now();
    fake.state.putLogs(group, ['INFO boot'], t0 - 1000);
    fake.state.logPageSize = 3; // forces nextToken pagination
    const seen: string[] = [];
    const notices: Notice[] = [];
    const sections = { notify: { 'log-groups': [{ name: group, window: '0s' }] } };
    const w1 = watchFor(sections, notices);
    await w1.pollOnce();
    expect(notices).toEqual([]);
    // A burst of 7 errors (several sharing one millisecond) plus noise.
    const burst = fake.state.putLogs(
      group,
      ['ERROR a', 'Traceback (most recent call last):', 'INFO fine', 'ERROR b'],
      t0 + 5,
    );
    burst.push(
      ...fake.state.putLogs(
        group,
        ['java.lang.NullPointerException: x', 'ERROR c', 'ERROR d', 'ERROR e'],
        t0 + 6,
      ),
    );
    await w1.pollOnce();
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe('7 new errors in /ecs/inference-api');
    expect(notices[0]!.body).toBe('7 new errors in /ecs/inference-api (stream ecs/app/abc) — first: ERROR a');
    seen.push(...burst.filter((e) => !e.message.startsWith('INFO')).map((e) => e.eventId));
    await w1.pollOnce();
    expect(notices).toHaveLength(1); // nothing new, nothing repeated
    // More events at the same millisecond as the last seen one, then the watch restarts.
    fake.state.putLogs(group, ['ERROR same-ms'], t0 + 6);
    w1.stop();
    fake.state.putLogs(group, ['ERROR while-down'], t0 + 7);
    const w2 = watchFor(sections, notices);
    await w2.pollOnce();
    expect(notices).toHaveLength(2);
    expect(notices[1]!.body).toBe(
      '2 new errors in /ecs/inference-api (stream ecs/app/abc) — first: ERROR same-ms',
    );
    await w2.pollOnce();
    expect(notices).toHaveLength(2);
    w2.stop();
    expect(seen).toHaveLength(7);
  });

  test('the cursor file alone guarantees exactly-once delivery of every event (late arrivals included)', async () => {
    const group = '/ecs/exactly-once';
    const file = path.join(dir, 'cursor-test.json');
    const base = Date.now();
    // Older than the first start's look-back: history before Offload watched is not replayed.
    fake.state.putLogs(group, ['ERROR old'], base - 600_000);
    const delivered: string[] = [];
    const all: string[] = [];
    const cfg = { name: group, filterPattern: '?ERROR', windowMs: 0 };
    let w = new LogErrorWatch({ client: clients.logs, groups: [cfg], stateFile: file });
    delivered.push(...(await w.pollGroup(cfg)).map((e) => e.eventId));
    for (let round = 0; round < 6; round++) {
      const evs = fake.state.putLogs(
        group,
        [`ERROR r${round}a`, `ERROR r${round}b`, `ok r${round}`],
        base + round * 3,
      );
      // A late-ingested event, stamped before the current cursor.
      evs.push(...fake.state.putLogs(group, [`ERROR late${round}`], base + round * 3 - 2));
      all.push(...evs.filter((e) => e.message.startsWith('ERROR')).map((e) => e.eventId));
      if (round % 2 === 1) w = new LogErrorWatch({ client: clients.logs, groups: [cfg], stateFile: file }); // restart
      delivered.push(...(await w.pollGroup(cfg)).map((e) => e.eventId));
    }
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.sort()).toEqual(all.sort());
  });
});
