// Bundled and run by bench/aws-outage.mjs (issue 22: no retry storm). The real AWS watch (real SDK clients with
// their default retries, real HTTP, its own timer loop) polls the local AWS endpoint through the TCP fault proxy
// for BENCH_SECONDS per scenario, backing off while rounds fail (watch-backoff.ts),: AWS healthy (the baseline, same run), 100 % throttling (every API call answered
// with ThrottlingException) and an outage (every connection reset). Counts the HTTP attempts that reach AWS (or
// the proxy, when it resets them) and reports them per minute and as a ratio to the healthy baseline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAwsWatch } from '../main/core/aws/watch';
import { Notifier } from '../main/core/notify/notifier';
import { startFakeAws } from '../test/fixtures/aws-endpoint/server';
import { startFaultProxy } from '../test/fixtures/aws-endpoint/fault-proxy';
import { testClients, testConfig } from '../test/fixtures/aws-endpoint/helpers';

type Scenario = 'normal' | 'throttled' | 'outage';

export async function run(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 20);
  const interval = process.env.BENCH_INTERVAL ?? '2s';
  const fake = await startFakeAws();
  const proxy = await startFaultProxy(fake.url);
  const s = fake.state;
  s.addService({ cluster: 'prod', service: 'inference-api' });
  s.addService({ cluster: 'prod', service: 'embeddings' });
  for (const a of ['api-5xx', 'api-latency', 'gpu-util']) s.setAlarm(a, 'OK');
  s.putLogs('/ecs/inference-api', ['INFO boot']);
  s.putLogs('/ecs/embeddings', ['INFO boot']);
  const sections = {
    aws: { endpoint: proxy.url, region: 'us-east-1' },
    gate: {
      services: [
        { cluster: 'prod', service: 'inference-api' },
        { cluster: 'prod', service: 'embeddings' },
      ],
      alarms: { names: ['api-5xx', 'api-latency', 'gpu-util'] },
      policy: 'notify',
      interval,
    },
    notify: {
      interval,
      'log-groups': [{ name: '/ecs/inference-api' }, { name: '/ecs/embeddings' }],
    },
  };
  const measure = async (scenario: Scenario) => {
    // Default SDK retries (3 attempts) and a short request timeout, as a user's watch has.
    const clients = testClients(proxy.url, { timeout: '2s' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-bench-outage-'));
    s.faults = scenario === 'throttled' ? [{ kind: 'throttle' }] : [];
    proxy.set(scenario === 'outage' ? 'reset' : 'pass');
    const w = createAwsWatch({
      config: testConfig(dir, sections),
      clients,
      notifier: new Notifier({ dedupeMs: 0 }),
      dataDir: dir,
      log: () => undefined,
    });
    const requests0 = s.requests.filter((q) => q.service !== 'http').length;
    const resets0 = proxy.counts.reset;
    const t0 = Date.now();
    w.start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    w.stop();
    const ms = Date.now() - t0;
    const attempts =
      s.requests.filter((q) => q.service !== 'http').length - requests0 + (proxy.counts.reset - resets0);
    const gate = w.snapshot().gate;
    clients.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    return { attempts, perMinute: Math.round((attempts * 60_000) / ms), gate };
  };
  const normal = await measure('normal');
  const throttled = await measure('throttled');
  const outage = await measure('outage');
  proxy.set('pass');
  await proxy.close();
  await fake.close();
  return {
    seconds,
    interval,
    normal,
    throttled,
    outage,
    throttledRatio: +(throttled.perMinute / Math.max(1, normal.perMinute)).toFixed(2),
    outageRatio: +(outage.perMinute / Math.max(1, normal.perMinute)).toFixed(2),
    target: '≤ 3× normal (aim ≤ 1.5×)',
  };
}
