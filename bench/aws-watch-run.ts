// Bundled and run by bench/aws-watch.mjs. Drives the real AWS watch (real SDK clients, real HTTP) against the
// local AWS endpoint for a typical config: 2 services, 3 alarms, 2 log groups, 1 health endpoint, defaults.
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { createAwsWatch } from '../main/core/aws/watch';
import { parseGateConfig } from '../main/core/aws/config';
import { parseNotifyConfig } from '../main/core/notify/config';
import { Notifier } from '../main/core/notify/notifier';
import type { Notice } from '../main/core/state';
import { startFakeAws } from '../test/fixtures/aws-endpoint/server';
import { testClients, testConfig } from '../test/fixtures/aws-endpoint/helpers';

export async function run(): Promise<Record<string, unknown>> {
  const fake = await startFakeAws();
  const clients = testClients(fake.url, { timeout: '10s' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bench-aws-'));
  const s = fake.state;
  s.addService({ cluster: 'prod', service: 'inference-api' });
  s.addService({ cluster: 'prod', service: 'embeddings' });
  for (const a of ['api-5xx', 'api-latency', 'gpu-util']) s.setAlarm(a, 'OK');
  s.putLogs('/ecs/inference-api', ['INFO boot']);
  s.putLogs('/ecs/embeddings', ['INFO boot']);
  s.health.set('/health', { status: 200, body: 'ok' });
  const sections = {
    gate: {
      services: [
        { cluster: 'prod', service: 'inference-api' },
        { cluster: 'prod', service: 'embeddings' },
      ],
      endpoints: [{ name: 'health', url: `${fake.url}/health` }],
      alarms: { names: ['api-5xx', 'api-latency', 'gpu-util'] },
      policy: 'notify',
    },
    notify: { 'log-groups': [{ name: '/ecs/inference-api' }, { name: '/ecs/embeddings' }] },
  };
  const gate = parseGateConfig(sections.gate);
  const notify = parseNotifyConfig(sections.notify);
  const intervalMs = Math.min(gate.intervalMs, notify.intervalMs);
  const notices: { n: Notice; t: number }[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push({ n, t: performance.now() }));
  // Virtual clock for the watch's windows: each poll below happens one interval after the previous one.
  let skew = 0;
  const now = () => Date.now() + skew;
  const w = createAwsWatch({
    config: testConfig(dir, sections),
    clients,
    notifier,
    dataDir: dir,
    log: () => undefined,
    now,
  });

  // API calls per poll (steady state), hence per hour at the default interval.
  await w.pollOnce();
  const before = s.count();
  const POLLS = 10;
  for (let i = 0; i < POLLS; i++) await w.pollOnce();
  const perPoll = (s.count() - before) / POLLS;
  const byOp: Record<string, number> = {};
  for (const r of s.requests.filter((q) => q.service !== 'http').slice(-perPoll * POLLS))
    byOp[r.op] = Math.round(((byOp[r.op] ?? 0) + 1 / POLLS) * 100) / 100;

  // Baseline: one bare DescribeAlarms round trip with the same SDK client, same run.
  const base: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['api-5xx'] }));
    base.push(performance.now() - t0);
  }
  // Processing delay: from the poll that first sees the change to the notice.
  const alarmLat: number[] = [];
  const logLat: number[] = [];
  for (let i = 0; i < 10; i++) {
    s.setAlarm('api-5xx', i % 2 === 0 ? 'ALARM' : 'OK', 'bench');
    const k = notices.length;
    const t0 = performance.now();
    await w.pollOnce();
    const hit = notices.slice(k).find((x) => x.n.title.includes('api-5xx'));
    if (hit) alarmLat.push(hit.t - t0);
  }
  for (let i = 0; i < 10; i++) {
    s.putLogs('/ecs/inference-api', [`ERROR bench ${i}`, `Traceback bench ${i}`], Date.now());
    const k = notices.length;
    const t0 = performance.now();
    // Default window = interval: the next poll comes one interval after the last notice, so it always flushes.
    skew += intervalMs;
    await w.pollOnce();
    const hit = notices.slice(k).find((x) => x.n.title.includes('/ecs/inference-api'));
    if (hit) logLat.push(hit.t - t0);
  }
  w.stop();
  clients.destroy();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
  const max = (a: number[]) => Math.max(...a);
  return {
    intervalMs,
    apiCallsPerPoll: perPoll,
    apiCallsPerHour: Math.round((perPoll * 3_600_000) / intervalMs),
    callsPerPollByOperation: byOp,
    baselineDescribeAlarmsMs: med(base),
    alarmPollToNoticeMs: { median: med(alarmLat), max: max(alarmLat), samples: alarmLat.length },
    logPollToNoticeMs: { median: med(logLat), max: max(logLat), samples: logLat.length },
    worstCaseAlarmToNoticeMs: intervalMs + max(alarmLat),
    worstCaseLogLineToNoticeMs: intervalMs + max(logLat),
    pollCostVsBareCall: max(alarmLat) / med(base),
  };
}
